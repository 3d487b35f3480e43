// What the developer sees once the stack is ready: where to look.
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { LOG_DIR, STACK_DIR } from './config.mjs';

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
  const { api, ingest } = byName;
  // kafka.sh's log (see deploy/kafka/README.md), when the broker is the local one.
  const kafkaLog =
    config.kafkaBrokers === config.localBroker
      ? process.env.KAFKA_LOG_FILE || `${homedir()}/.cache/dvc-monitor/kafka-${config.kafkaPort}.log`
      : undefined;
  const broker = config.kafkaBrokers.split(',')[0];
  const logs = relative(process.cwd(), LOG_DIR) || LOG_DIR;
  const lines = [
    `dvc-monitor is running${foreground ? ' — Ctrl-C stops it' : ' in the background — npm run stack:down stops it'}`,
    '',
    `  Rates API     ${api.baseUrl}/v1/rates?groupBy=agency`,
    `  API docs      ${api.baseUrl}/docs`,
    `  Ingest        POST ${ingest.baseUrl}/v1/events   (docs ${ingest.baseUrl}/docs)`,
    `                demo source ${config.demoSourceUri}, header x-api-key: ${config.demoApiKey}`,
    `  Simulator     ${simulatorTarget(config)}; SIMULATOR_RATE=${process.env.SIMULATOR_RATE ?? '(default)'} events/s`,
    `  Alerts        ${api.baseUrl}/v1/alerts   targets ${api.baseUrl}/v1/targets`,
    `  Alert e-mails ${relative(process.cwd(), join(STACK_DIR, 'mail')) || join(STACK_DIR, 'mail')}/*.eml   (local SMTP sink on 127.0.0.1:${process.env.MAIL_SINK_SMTP_PORT || 1025})`,
    '  Metrics       ' + config.services.filter((s) => s.name !== 'mail-sink').map((s) => `${s.baseUrl}/metrics`).join('\n                '),
    '  Readiness     ' + config.services.map((s) => `${s.name} ${s.baseUrl}/health/ready`).join('\n                '),
    `  Kafka         ${config.kafkaBrokers}`,
    `                kcat -b ${broker} -C -t ${config.topics.canonicalEvents} -o -5 -e   (last events per partition)`,
    `  PostgreSQL    ${config.databaseUrl}`,
    `  Redis         ${config.redisUrl}`,
    `  Logs          ${logs}/<service>.log${kafkaLog ? `, Kafka ${kafkaLog}` : ''}`,
  ];
  const width = Math.max(...lines.flatMap((l) => l.split('\n')).map((l) => l.length)) + 2;
  const rule = '─'.repeat(Math.min(width, 120));
  return `\n${rule}\n${lines.join('\n')}\n${rule}\n`;
}
