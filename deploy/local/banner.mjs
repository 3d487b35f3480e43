// What the developer sees once the stack is ready: where to look.
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { kafkaEnv, LOG_DIR, STACK_DIR } from './config.mjs';

function simulatorTarget(config) {
  switch (process.env.SIMULATOR_SINK) {
    case 'http':
      return `posts to ${config.services.find((s) => s.name === 'ingest').baseUrl}/v1/events`;
    case 'file':
      return `writes ${process.env.SIMULATOR_FILE ?? 'simulator-events.ndjson'}`;
    default:
      return `streams to Kafka topic ${config.topics.dossierEvents}`;
  }
}

export function banner(config, { foreground }) {
  const byName = Object.fromEntries(config.services.map((s) => [s.name, s]));
  const { api, ingest, console: adminConsole } = byName;
  // kafka.sh's log (see deploy/kafka/README.md), when the broker is the local one.
  const kafkaLog =
    config.kafkaBrokers === config.localBroker
      ? process.env.KAFKA_LOG_FILE || `${homedir()}/.cache/dvc-monitor/kafka-${config.kafkaPort}.log`
      : undefined;
  const broker = config.kafkaBrokers.split(',')[0];
  const keycloakLog =
    config.keycloakUrl === config.localKeycloak
      ? process.env.KEYCLOAK_LOG_FILE || `${homedir()}/.cache/dvc-monitor/keycloak-${config.keycloakPort}.log`
      : undefined;
  const logs = relative(process.cwd(), LOG_DIR) || LOG_DIR;
  const lines = [
    `dvc-monitor is running${foreground ? ' — Ctrl-C stops it' : ' in the background — npm run stack:down stops it'}`,
    '',
    `  Console       ${adminConsole.baseUrl}/   (sign in as a demo user below; Vietnamese first, English switchable)`,
    `  Rates API     ${api.baseUrl}/v1/rates?groupBy=agency`,
    `  API docs      ${api.baseUrl}/docs`,
    `  Ingest        POST ${ingest.baseUrl}/v1/events   (docs ${ingest.baseUrl}/docs)`,
    `                demo source ${config.demoSourceUri}, header x-api-key: ${config.demoApiKey}`,
    `  Simulator     ${simulatorTarget(config)}; SIMULATOR_RATE=${process.env.SIMULATOR_RATE ?? '(default)'} events/s`,
    `  Alerts        ${api.baseUrl}/v1/alerts   targets ${api.baseUrl}/v1/targets`,
    `  Keycloak      ${config.keycloakUrl}   issuer ${config.oidcIssuerUrl}   (admin console ${config.keycloakUrl}/admin/)`,
    '                demo users (password "demo", demo only): operator (province-operator), admin-tu-phap and',
    '                admin-pho-hien (agency-admin), inspector and viewer-pho-hien (viewer), integrator, no-role',
    '  Token         npm run -s stack:token -- province-operator   (a role or a username; --client dvc-reports)',
    `                curl -H "Authorization: Bearer $(npm run -s stack:token -- viewer)" '${api.baseUrl}/v1/rates?groupBy=agency&limit=5'`,
    `  Alert e-mails ${relative(process.cwd(), join(STACK_DIR, 'mail')) || join(STACK_DIR, 'mail')}/*.eml   (local SMTP sink on 127.0.0.1:${process.env.MAIL_SINK_SMTP_PORT || 1025})`,
    '  Metrics       ' + config.services.filter((s) => s.name !== 'mail-sink').map((s) => `${s.baseUrl}/metrics`).join('\n                '),
    '  Readiness     ' + config.services.map((s) => `${s.name} ${s.baseUrl}/health/ready`).join('\n                '),
    ...kafkaLines(config, broker),
    `  PostgreSQL    ${config.databaseUrl}`,
    `  Redis         ${config.redisUrl}`,
    `  Logs          ${logs}/<service>.log${kafkaLog ? `, Kafka ${kafkaLog}` : ''}${keycloakLog ? `, Keycloak ${keycloakLog}` : ''}`,
  ];
  const width = Math.max(...lines.flatMap((l) => l.split('\n')).map((l) => l.length)) + 2;
  const rule = '─'.repeat(Math.min(width, 120));
  return `\n${rule}\n${lines.join('\n')}\n${rule}\n`;
}

/** The broker, and how to look at it: kcat as is, or as admin on a secured local broker. */
function kafkaLines(config, broker) {
  let admin;
  try {
    admin = kafkaEnv(config, 'admin');
  } catch {
    admin = {}; // a secured broker without admin's credentials here: show the plain lines
  }
  if (admin.KAFKA_SECURITY_PROTOCOL !== 'sasl_ssl') {
    return [
      `  Kafka         ${config.kafkaBrokers}`,
      `                kcat -b ${broker} -C -t ${config.topics.canonicalEvents} -o -5 -e   (last events per partition)`,
    ];
  }
  return [
    `  Kafka         ${config.kafkaBrokers}   SASL_SSL, SCRAM-SHA-512, ACLs: every service as its own principal`,
    `                CA ${admin.KAFKA_SSL_CA_FILE}`,
    `                bash deploy/kafka/kafka.sh credentials admin   (env of a principal: admin, dvc-ingest, ...)`,
    `                bash deploy/kafka/kafka.sh add-source <key>    (a one-stop system: its principal and topic)`,
    `                kcat -b ${broker} -X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=admin \\`,
    `                  -X sasl.password="$(cat ${admin.KAFKA_SASL_PASSWORD_FILE})" -X ssl.ca.location=${admin.KAFKA_SSL_CA_FILE} \\`,
    `                  -C -t ${config.topics.canonicalEvents} -o -5 -e`,
  ];
}
