/**
 * The alerting benchmark's event → e-mail latency (part (a) of bench/alerting-benchmark.ts, which runs it):
 * ingest, aggregator and alerting from dist/ as separate processes, a real SMTP server (smtp-server) in
 * this process; each trial produces ONE offline dossier event for an agency seeded one dossier short of an
 * alert and measures the time until the SMTP server accepted the e-mail to that agency's administrator.
 */
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { SMTPServer } from 'smtp-server';
import { decideAlert } from '@dvc/domain';
import { migrate } from '@dvc/persistence';
import { freePort, ServiceProcess, sleep } from './support/children';
import { BenchKafkaSecurity } from './support/kafka-security';
import { ProcessSampler } from './support/proc-stats';
import { AlertingBenchOptions, createTopics, deleteTopics, dropDatabase, recreateDatabase, sweepCount, today, waitFor, withClient } from './support/alerting-support';

export interface LatencyResult {
  trials: number;
  failed: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  minMs: number;
  meanMs: number;
  debounceMs: string;
  seed: { received: number; online: number };
  alertingPeakRssMb: number;
}

/** A real SMTP server that notes when it accepted a message, by recipient. */
class TimingSmtpSink {
  readonly acceptedAt = new Map<string, number>();
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData: (stream, session, callback) => {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        const at = performance.now();
        for (const to of session.envelope.rcptTo) if (!this.acceptedAt.has(to.address.toLowerCase())) this.acceptedAt.set(to.address.toLowerCase(), at);
        callback();
      });
    },
  });
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A count (received, online) with no alert, one offline dossier short of a warning (50%) alert. */
export function tippingSeed(): { received: number; online: number } {
  const policy = { minimumDossiers: 30, resolveMargin: 0.05 };
  for (let received = 60; received < 1_000; received += 1) {
    for (let online = received; online >= 0; online -= 1) {
      const before = decideAlert({ sample: { successes: online, trials: received }, threshold: 0.5, state: 'none', policy });
      if (before.action === 'fire') break;
      const after = decideAlert({ sample: { successes: online, trials: received + 1 }, threshold: 0.5, state: 'none', policy });
      if (after.action === 'fire') return { received, online };
    }
  }
  throw new Error('no tipping seed found');
}

export async function latencyBenchmark(options: AlertingBenchOptions): Promise<LatencyResult> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const databaseName = 'dvc_bench_alerting';
  const databaseUrl = `${options.postgresUrl}/${databaseName}`;
  const prefix = `bench-alerting.${runId}`;
  const topics = {
    dossierEvents: `${prefix}.dossier-events`,
    canonical: `${prefix}.canonical`,
    dlq: `${prefix}.dlq`,
    rateChanges: `${prefix}.rate-changes`,
    alerts: `${prefix}.alerts`,
  };
  const kafkaSecurity = new BenchKafkaSecurity(options.repoRoot, options.brokers);
  const kafka = new Kafka({ clientId: 'dvc-bench-alerting', brokers: options.brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 }, ...kafkaSecurity.connection() });
  const trials = options.trials;
  const seed = tippingSeed();
  const day = today();
  options.log(`alerting latency: ${trials} trials, each agency seeded at ${seed.online}/${seed.received} online (no alert; one more offline dossier fires)`);

  await recreateDatabase(options.postgresUrl, databaseName);
  await migrate(databaseUrl);
  await createTopics(kafka, Object.values(topics), 3);
  const sink = await new TimingSmtpSink().start();
  const agencies = Array.from({ length: trials + 1 }, (_, i) => `BA.${String(i).padStart(4, '0')}`);
  await withClient(databaseUrl, async (client) => {
    await client.query(
      `INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id)
       SELECT code, 'UBND xã Đo Thử ' || code, 'commune', NULL, '2025-01-01T00:00:00Z', 'bench' FROM unnest($1::text[]) AS code`,
      [agencies],
    );
    await client.query(
      `INSERT INTO procedures (code, name, sector, online_level, info_time, info_event_id)
       VALUES ('BA.P1', 'Đăng ký khai sinh (đo thử)', 'Hộ tịch', 'full', '2025-01-01T00:00:00Z', 'bench')`,
    );
    await client.query(
      `INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online)
       SELECT $2::date, code, 'BA.P1', $3, $4 FROM unnest($1::text[]) AS code`,
      [agencies, day, seed.received, seed.online],
    );
    await client.query(
      `INSERT INTO alert_recipients (agency_code, email, name) SELECT code, lower(replace(code, '.', '-')) || '@bench.test', NULL FROM unnest($1::text[]) AS code`,
      [agencies],
    );
  });

  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: options.brokers.join(','),
    REDIS_URL: options.redisUrl,
    TOPIC_DOSSIER_EVENTS: topics.dossierEvents,
    TOPIC_CANONICAL_EVENTS: topics.canonical,
    TOPIC_DEAD_LETTER: topics.dlq,
    TOPIC_RATE_CHANGES: topics.rateChanges,
    TOPIC_ALERTS: topics.alerts,
    INGEST_GROUP_ID: `${prefix}.ingest`,
    AGGREGATOR_GROUP_ID: `${prefix}.aggregator`,
    ALERT_RATE_CHANGES_GROUP_ID: `${prefix}.alerting-rate-changes`,
    ALERT_SOURCE_ACTIVITY_GROUP_ID: `${prefix}.alerting-activity`,
    ALERT_LEADER_LOCK_KEY: `dvc:bench:alerting:${runId}`,
    // Alerting seals webhook secrets at rest and will not start without a key; none is stored by the benchmark.
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    // Only the rate-change path can deliver within the run: one sweep at start, the next in a day.
    ALERT_SWEEP_INTERVAL_MS: String(24 * 3_600_000),
    LOG_LEVEL: options.serviceLogLevel,
  };
  const sampler = new ProcessSampler(250);
  sampler.start();
  const services: ServiceProcess[] = [];
  const start = async (name: 'ingest' | 'aggregator' | 'alerting') => {
    const port = await freePort();
    await kafkaSecurity.grant(kafka, environment, [name]);
    const service = new ServiceProcess(
      name,
      join(options.buildRoot, 'services', name, 'src/main.js'),
      kafkaSecurity.processEnvironment(environment, name),
      port,
      join(options.workDir, `${name}-latency.log`),
      options.repoRoot,
    ).spawn();
    services.push(service);
    await service.waitUntilReady();
    return service;
  };
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await start('ingest');
    await start('aggregator');
    const alerting = await start('alerting');
    sampler.track('alerting', alerting.pid);
    await waitFor(async () => (await sweepCount(alerting.port)) >= 1, 60_000, 'the start-up sweep');
    await producer.connect();

    let sequence = 0;
    const trial = async (agency: string): Promise<number | null> => {
      const recipient = `${agency.toLowerCase().replace(/\./g, '-')}@bench.test`;
      const dossierCode = `${agency}-${runId}-${sequence++}`;
      const at = new Date().toISOString();
      const event = {
        specversion: '1.0',
        id: `bench-alerting-${runId}-${sequence}`,
        source: 'urn:dvc:motcua:bench-alerting',
        type: 'vn.gov.dvc.dossier.received.v1',
        time: at,
        subject: dossierCode,
        datacontenttype: 'application/json',
        data: {
          dossierCode,
          procedure: { code: 'BA.P1', name: 'Đăng ký khai sinh (đo thử)', sector: 'Hộ tịch', onlineLevel: 'full' },
          agency: { code: agency, name: `UBND xã Đo Thử ${agency}`, level: 'commune', parentCode: null },
          channel: 'in_person',
          receivedAt: at,
        },
      };
      const producedAt = performance.now();
      await producer.send({
        topic: topics.dossierEvents,
        acks: -1,
        messages: [{ key: dossierCode, value: JSON.stringify(event), headers: { 'content-type': 'application/cloudevents+json' } }],
      });
      const deadline = producedAt + 60_000;
      while (performance.now() < deadline) {
        const accepted = sink.acceptedAt.get(recipient);
        if (accepted !== undefined) return accepted - producedAt;
        await sleep(5);
      }
      return null;
    };

    // Warm-up (consumer groups joined, connections open, code paths compiled): not counted.
    const warm = await trial(agencies[trials]);
    options.log(`alerting latency: warm-up ${warm === null ? 'timed out' : `${Math.round(warm)} ms`}`);
    const latencies: number[] = [];
    let failed = 0;
    for (let i = 0; i < trials; i += 1) {
      const ms = await trial(agencies[i]);
      if (ms === null) failed += 1;
      else latencies.push(ms);
      await sleep(50);
    }
    const stats = sampler.finish('alerting');
    latencies.sort((a, b) => a - b);
    const result: LatencyResult = {
      trials,
      failed,
      p50Ms: quantile(latencies, 0.5),
      p90Ms: quantile(latencies, 0.9),
      p99Ms: quantile(latencies, 0.99),
      maxMs: latencies[latencies.length - 1] ?? NaN,
      minMs: latencies[0] ?? NaN,
      meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
      debounceMs: process.env.ALERT_CHANGE_DEBOUNCE_MS ? `${process.env.ALERT_CHANGE_DEBOUNCE_MS} ms` : '500 ms, the default',
      seed,
      alertingPeakRssMb: stats.peakRssKb / 1024,
    };
    options.log(
      `alerting latency: p50 ${Math.round(result.p50Ms)} ms, p99 ${Math.round(result.p99Ms)} ms, max ${Math.round(result.maxMs)} ms over ${latencies.length} trials (${failed} timed out)`,
    );
    return result;
  } finally {
    sampler.stop();
    await producer.disconnect().catch(() => undefined);
    for (const service of services.reverse()) await service.stop().catch(() => undefined);
    await sink.stop();
    if (!options.keep) {
      await deleteTopics(kafka, Object.values(topics));
      const groups = [environment.INGEST_GROUP_ID, environment.AGGREGATOR_GROUP_ID, environment.ALERT_RATE_CHANGES_GROUP_ID, environment.ALERT_SOURCE_ACTIVITY_GROUP_ID];
      await kafkaSecurity.revoke(kafka, Object.values(topics), groups.filter((group): group is string => !!group)).catch(() => undefined);
      await dropDatabase(options.postgresUrl, databaseName).catch(() => undefined);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// helpers

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  // Nearest rank: p99 of 60 trials is the 60th value (the maximum), not an interpolation below it.
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
