import { SmtpSink } from '../alerting/smtp-sink';
import { WebhookReceiver } from '../alerting/webhook-receiver';
import { checkNotifications, checkStates, checkTopics, OutboxRecord, readWholeTopic } from '../support/delivery-checker';
import { expectedDossiers, groundTruth } from '../support/ground-truth';
import { kafkaClient } from '../support/infrastructure';
import { deliveryMessage } from '../support/kafka-io';
import { describeRecords, describeSchedule, KilledService, KillRecord, killSchedule, runKillCampaign } from '../support/kill-campaign';
import { PrivateKafkaBroker } from '../support/private-kafka-broker';
import { committedTotal, endOffsetTotal, indicatorLedgerBothWays, monthlyRollUpsBothWays, pipelineCaughtUp, storedMonthlyCounts, withoutEmptyBuckets } from '../support/progress';
import { allRates, countsOf } from '../support/rates-api';
import { AGENCIES, generateScenario } from '../support/scenario';
import { eventually, ServiceProcess, sleep, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';
import type { DossierState } from '@dvc/domain';

const SEED = Number(process.env.KILL_CAMPAIGN_SEED ?? 20261207);
const DAY = 86_400_000;
const HOUR = 3_600_000;
const sorted = <T>(map: Map<string, T>) => Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * Several instances of each service, SIGKILLed at random (seeded) instants while a scenario streams in and their
 * consumer groups rebalance, each restarted after a short pause (issue 11, item 2):
 *
 * - 2 ingest and 3 aggregator processes share the 6 partitions (one group each), 2 alerting processes share the
 *   Redis leader lock and the outbox; the broker is this file's own (PrivateKafkaBroker), so the campaign's
 *   rebalances and load never reach other runs.
 * - The scenario (generateScenario, seeded from KILL_CAMPAIGN_SEED) has duplicates, corrections and invalid events;
 *   it lies in the last 30 days, so that the alerting service's rolling window sees it and opens alerts (one online
 *   dossier in four is below the 50% default target) while the pipeline works: e-mails to an SMTP sink and calls to a
 *   webhook receiver of this file, both slow to answer (a kill mid-send finds a notification in flight).
 * - The schedule (kill-campaign.ts) is printed at the start and is part of every failure message.
 *
 * Then, once every group has caught up and alerting is quiet: the API's rates equal the ground truth; the
 * delivery checker (delivery-checker.ts, in the spirit of Jepsen's Kafka test) reads the canonical and dead-letter
 * topics with read_committed and finds every acknowledged input message counted once or dead-lettered once (ingest's
 * transactions: a repeated record is a failure, whatever was killed), nothing lost, misrouted or unexpected, the
 * dossier states naming exactly the winning events and every partition applied exactly to its last record; and every
 * notification of the outbox was delivered exactly once (or, after an alerting kill in the sender's window, twice).
 */
describe('kill campaign: SIGKILLs of ingest, aggregator and alerting instances during rebalances', () => {
  const broker = new PrivateKafkaBroker();
  let environment: TestEnvironment;
  // Midnight in Vietnam 20 days ago: every dossier falls in the last 30 days, none in the future.
  const around = Math.floor((Date.now() + 7 * HOUR) / DAY) * DAY - 7 * HOUR - 20 * DAY;
  const deliveries = generateScenario({ dossiers: 12_000, seed: SEED, invalidShare: 0.01, around });
  const validEvents = deliveries.filter((delivery) => delivery.event).map((delivery) => delivery.event!);
  const expected = withoutEmptyBuckets(groundTruth(validEvents));
  const instances = { ingest: 2, aggregator: 3, alerting: 2 };
  // The stream lasts about 20 s after a backlog (streamScenario); the kills fall in it and after, while the groups catch up.
  const plan = killSchedule({ seed: SEED, instances, kills: 10, windowMs: [2_000, 35_000], pauseMs: [300, 3_000] });
  const schedule = describeSchedule(SEED, plan);
  const sink = new SmtpSink({ answerDelayMs: 500 });
  const receiver = new WebhookReceiver({ answerDelayMs: 300 });
  let alertsTopic: string;
  let env: Record<string, string>;
  let records: KillRecord[] = [];
  let passed = false;

  beforeAll(async () => {
    console.log(`${schedule}\nscenario: ${deliveries.length} deliveries around ${new Date(around).toISOString()}`);
    await broker.start();
    environment = new TestEnvironment('killcampaign', { kafkaBrokers: broker.brokers, databasePerRun: true });
    alertsTopic = `test.killcampaign.${environment.runId}.alerts`;
    // A broker just started may not yet know the topics it created (kafkajs retries that only 3 times): again, then.
    await eventually(async () => {
      await environment.prepare(6);
      await environment.createTopics([alertsTopic], 2);
      return true;
    }, 60_000, 'the database and the topics on the private broker');
    await sink.start();
    await receiver.start();
    env = environment.serviceEnvironment({
      // Smaller fetches: more, shorter transactions per partition, so that a kill often lands inside one.
      AGGREGATOR_MAX_BYTES_PER_PARTITION: String(256 * 1024),
      ALERT_RATE_CHANGES_GROUP_ID: `alerting-rate-changes.${environment.runId}`,
      ALERT_SOURCE_ACTIVITY_GROUP_ID: `alerting-sources.${environment.runId}`,
      ALERT_SOURCE_SILENCE_ENABLED: 'false',
      TOPIC_ALERTS: alertsTopic,
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      SMTP_TIMEOUT_MS: '60000',
      ALERT_FROM: 'DVC Monitor <canh-bao@dvc.test>',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      // One window that holds the whole scenario; alerts open once an agency (× procedure) has 250 dossiers:
      // the agencies' early in the stream, their procedures' past the middle.
      ALERT_WINDOWS: 'rolling30d',
      ALERT_MIN_DOSSIERS: '250',
      ALERT_SWEEP_INTERVAL_MS: '1000',
      ALERT_LEADER_LOCK_KEY: `dvc:test:killcampaign:${environment.runId}`,
      ALERT_LEADER_LOCK_TTL_MS: '3000',
      OUTBOX_POLL_INTERVAL_MS: '200',
      OUTBOX_RETRY_BASE_MS: '300',
      // One send at a time per instance, each slow to be answered: the sending spreads over the campaign.
      OUTBOX_CONCURRENCY: '1',
    });
    // Every agency of the scenario has three recipients (an e-mail each); one webhook endpoint hears every alert.
    for (const agency of AGENCIES) {
      for (const person of ['lanh-dao', 'van-phong', 'can-bo']) {
        await environment.query(`INSERT INTO alert_recipients (agency_code, email) VALUES ($1, $2)`, [agency.code, `${person}.${agency.code}@dvc.test`]);
      }
    }
    await environment.query(`INSERT INTO webhook_endpoints (name, url, secret) VALUES ('campaign receiver', $1, $2)`, [`${receiver.url}/hook`, 'kill-campaign-webhook-secret-0123']);
  }, 240_000);

  afterAll(async () => {
    await stopAllServices();
    await sink.stop();
    await receiver.stop();
    broker.destroy();
    if (passed) await environment?.dropDatabase();
    else if (environment) console.log(`kill campaign: database ${environment.databaseName} kept for a post-mortem`);
  });

  it('loses nothing, applies nothing twice and notifies exactly once', async () => {
    const context = () => `${schedule}\nwhat happened:\n${describeRecords(records)}\n`;
    try {
      await campaign();
    } catch (error) {
      if (error instanceof Error) {
        error.message = `${context()}${error.message}`;
        if (error.stack) error.stack = `${context()}${error.stack}`;
      }
      throw error;
    }
    passed = true;
  }, 600_000);

  async function campaign(): Promise<void> {
    const processes: Record<KilledService, ServiceProcess[]> = {
      ingest: Array.from({ length: instances.ingest }, () => new ServiceProcess('ingest', env)),
      aggregator: Array.from({ length: instances.aggregator }, () => new ServiceProcess('aggregator', env)),
      alerting: Array.from({ length: instances.alerting }, () => new ServiceProcess('alerting', env)),
    };
    await Promise.all([...processes.ingest, ...processes.aggregator].map((service) => service.start()));
    await Promise.all(processes.alerting.map((service) => service.start()));

    const startedAt = performance.now();
    const [, campaignRecords] = await Promise.all([streamScenario(), runKillCampaign(plan, processes, progress, untilIngestHasWork)]);
    records = campaignRecords;
    const campaignMs = Math.round(performance.now() - startedAt);

    // Every group has caught up: ingest's committed offsets, the aggregator's offsets in PostgreSQL, alerting's rate-change group.
    await eventually(async () => ((await caughtUp()) ? true : undefined), 300_000, 'every consumer group to catch up');
    const caughtUpMs = Math.round(performance.now() - startedAt);
    // And alerting is quiet: no agency waits for a sweep, nothing is pending in the outbox, for 5 s in a row.
    let quietSince = 0;
    await eventually(async () => {
      const [row] = await environment.query<{ pending: string; sweeps: string }>(
        `SELECT (SELECT count(*) FROM notification_outbox WHERE status = 'pending') AS pending, (SELECT count(*) FROM alert_sweep_pending) AS sweeps`,
      );
      if (Number(row.pending) > 0 || Number(row.sweeps) > 0) quietSince = 0;
      else quietSince ||= performance.now();
      return quietSince && performance.now() - quietSince >= 5_000 ? true : undefined;
    }, 120_000, 'alerting to send everything and go quiet');
    await sleep(1_000); // a receiver's log line is written as it answers: let the last answer land
    // Nothing but the campaign stopped a process: none died by itself meanwhile.
    const everyInstance = Object.entries(processes).flatMap(([service, list]) => list.map((instance, index) => ({ instance: `${service}[${index}]`, running: instance.running })));
    expect(everyInstance.filter((entry) => !entry.running)).toEqual([]);

    // The kills must have landed mid-stream and while every service had work, for the campaign to mean anything.
    const valid = validEvents.length;
    expect(records).toHaveLength(plan.length);
    expect(new Set(records.map((kill) => kill.service))).toEqual(new Set(['ingest', 'aggregator', 'alerting']));
    expect(records.filter((kill) => kill.progress.applied < valid).length).toBeGreaterThanOrEqual(5);
    for (const service of ['ingest', 'aggregator', 'alerting']) {
      expect({ service, midStream: records.some((kill) => kill.service === service && kill.progress.applied < valid) }).toEqual({ service, midStream: true });
    }

    // 1. The API's rates equal the ground truth, and the stored tallies their recomputations.
    const api = await new ServiceProcess('api', env).start();
    const months = [...expected.keys()].map((key) => key.slice(0, 7)).sort();
    const items = await allRates(api, `period=month&groupBy=agency,procedure&from=${months[0]}&to=${months[months.length - 1]}`);
    const wanted = new Map([...expected].map(([key, counts]) => [key, countsOf(counts)]));
    expect(wanted.size).toBeGreaterThan(50);
    expect(sorted(new Map(items.map((item) => [`${item.period}|${item.agencyCode}|${item.procedureCode}`, countsOf(item)])))).toEqual(sorted(wanted));
    expect(sorted(await storedMonthlyCounts(environment))).toEqual(sorted(expected));
    const ledger = await indicatorLedgerBothWays(environment);
    expect(ledger.stored.length).toBeGreaterThan(100);
    expect(ledger.stored).toEqual(ledger.recomputed);
    const rollUps = await monthlyRollUpsBothWays(environment);
    expect(rollUps.stored.length).toBeGreaterThan(50);
    expect(rollUps.stored).toEqual(rollUps.recomputed);

    // 2. The checker: final reads of the input, canonical and dead-letter topics, the dossier states, the offsets.
    const brokers = environment.kafkaBrokers;
    const [inputRecords, canonical, deadLetters] = [
      await readWholeTopic(brokers, environment.topics.dossierEvents),
      await readWholeTopic(brokers, environment.topics.canonicalEvents),
      await readWholeTopic(brokers, environment.topics.deadLetter),
    ];
    const topics = checkTopics({ deliveries, inputTopic: environment.topics.dossierEvents, inputRecords, canonical, deadLetters });
    const canonicalEnds = new Map<number, bigint>();
    for (const record of canonical) canonicalEnds.set(record.partition, record.offset + 1n);
    const offsets = await environment.query<{ partition: number; next_offset: string }>(
      `SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2`,
      [env.AGGREGATOR_GROUP_ID, environment.topics.canonicalEvents],
    );
    const states = checkStates({
      expected: expectedDossiers(validEvents),
      states: await environment.query<{ dossier_code: string; state: DossierState }>(`SELECT dossier_code, state FROM dossier_states`),
      appliedOffsets: new Map(offsets.map((row) => [row.partition, BigInt(row.next_offset)])),
      canonicalEnds,
    });
    expect([...topics.problems, ...states.problems]).toEqual([]);
    expect(topics.summary.produced).toBe(deliveries.length);
    expect(topics.summary.repeatedInInput).toBeGreaterThan(100);
    expect(topics.summary.invalid).toBeGreaterThan(50);
    expect(topics.summary.counted + topics.summary.deadLettered).toBe(topics.summary.distinctValidIds + topics.summary.invalid);
    expect({ canonicalRepeated: topics.summary.canonicalRepeated, deadLettersRepeated: topics.summary.deadLettersRepeated }).toEqual({ canonicalRepeated: 0, deadLettersRepeated: 0 });

    // 3. Alerting: every notification of the outbox delivered exactly once, across the kills of its instances.
    const outbox = await environment.query<OutboxRecord>(
      `SELECT id, channel, event, status, attempts, dedupe_key, payload->'body'->>'eventId' AS webhook_event_id FROM notification_outbox ORDER BY id`,
    );
    const notices = await readWholeTopic(brokers, alertsTopic);
    const notifications = checkNotifications({
      outbox,
      delivered: {
        // SMTP: a message is delivered once the server answered 250 (the sink accepts nothing it could not answer).
        email: sink.accepted.map((mail) => ({ key: mail.messageId, at: mail.receivedAt!, content: `${mail.to.join(',')}\n${mail.subject}\n${mail.text}` })),
        // HTTP: a webhook is delivered once the receiver has the whole request, answered or not (its sender may die first).
        webhook: receiver.received
          .filter((request) => request.path === '/hook' && (request.status === 200 || request.status === 0))
          .map((request) => ({ key: String(request.headers['x-dvc-event-id']), at: request.receivedAt, content: request.rawBody.toString('utf8') })),
        kafka: notices.map((notice) => ({ key: notice.headers['dvc-event-id'], at: notice.timestamp, content: notice.value?.toString('utf8') ?? '' })),
      },
      alertingKills: records.filter((kill) => kill.service === 'alerting').map((kill) => ({ n: kill.n, at: kill.killedAt })),
      concurrency: Number(env.OUTBOX_CONCURRENCY),
      kafkaBatch: 500, // OUTBOX_KAFKA_BATCH's default
    });
    expect(notifications.problems).toEqual([]);
    expect(notifications.summary.emailNotifications).toBeGreaterThan(0);
    expect(notifications.summary.webhookNotifications).toBeGreaterThan(0);
    const unanswered = receiver.received.filter((request) => request.status === 0).length;

    console.log(
      `kill campaign seed ${SEED}: passed in ${campaignMs} ms of campaign, caught up at +${caughtUpMs} ms\n${describeRecords(records)}\n` +
        `checker: ${JSON.stringify({ ...topics.summary, ...states.summary })}\n` +
        `notifications: ${JSON.stringify({ ...notifications.summary, webhookCallsNeverAnswered: unanswered })}` +
        (notifications.resentAfterKills.length > 0 ? `\nre-sent after a kill (at least once, not exactly once):\n  ${notifications.resentAfterKills.join('\n  ')}` : ''),
    );
  }

  /**
   * The scenario: a backlog of 12,000 messages at once (so that every ingest is busy from the start and a kill finds
   * a batch in flight), then chunks of 500, one every 400 ms (about 20 s); each send acknowledged by every replica.
   */
  async function streamScenario(): Promise<void> {
    const producer = kafkaClient('dvc-test-stream', environment.kafkaBrokers).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const send = (from: number, to: number) => producer.send({ topic: environment.topics.dossierEvents, messages: deliveries.slice(from, to).map(deliveryMessage), acks: -1 });
    try {
      for (let start = 0; start < 12_000; start += 2_000) await send(start, start + 2_000);
      for (let start = 12_000; start < deliveries.length; start += 500) {
        await send(start, start + 500);
        await sleep(400);
      }
    } finally {
      await producer.disconnect();
    }
  }

  /**
   * Before an ingest kill: wait (at most 2 s) until its group has input it has not committed, i.e. a batch in flight,
   * so that the kill lands inside a batch as often as it can: where a non-transactional ingest repeats records (its
   * writes done, its offsets not yet committed) and a transactional one leaves an open transaction to abort.
   */
  async function untilIngestHasWork(kill: { service: KilledService }): Promise<void> {
    if (kill.service !== 'ingest') return;
    const admin = kafkaClient('dvc-test-kill-timing', environment.kafkaBrokers).admin();
    await admin.connect();
    try {
      for (const deadline = performance.now() + 2_000; performance.now() < deadline; await sleep(2)) {
        const [ends, [committed]] = await Promise.all([
          admin.fetchTopicOffsets(environment.topics.dossierEvents),
          admin.fetchOffsets({ groupId: env.INGEST_GROUP_ID, topics: [environment.topics.dossierEvents] }),
        ]);
        const done = new Map(committed.partitions.map((partition) => [partition.partition, BigInt(partition.offset)]));
        if (ends.some((end) => BigInt(end.high) > (done.get(end.partition) ?? -1n))) return;
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** Where the pipeline is, just before a kill. */
  async function progress(): Promise<Record<string, number>> {
    const brokers = environment.kafkaBrokers;
    const [input, ingested, canonical, [applied], [outbox]] = await Promise.all([
      endOffsetTotal(brokers, environment.topics.dossierEvents),
      committedTotal(brokers, env.INGEST_GROUP_ID, environment.topics.dossierEvents),
      endOffsetTotal(brokers, environment.topics.canonicalEvents),
      environment.query<{ n: string }>(`SELECT coalesce(sum(next_offset), 0) AS n FROM consumer_offsets`),
      environment.query<{ pending: string; sent: string }>(
        `SELECT count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'sent') AS sent FROM notification_outbox WHERE channel <> 'kafka'`,
      ),
    ]);
    return { input, ingested, canonical, applied: Number(applied.n), notificationsPending: Number(outbox.pending), notificationsSent: Number(outbox.sent) };
  }

  async function caughtUp(): Promise<boolean> {
    if (!(await pipelineCaughtUp(environment, env.INGEST_GROUP_ID))) return false;
    const brokers = environment.kafkaBrokers;
    const [changes, read] = await Promise.all([endOffsetTotal(brokers, environment.topics.rateChanges), committedTotal(brokers, env.ALERT_RATE_CHANGES_GROUP_ID, environment.topics.rateChanges)]);
    return read >= changes;
  }
});
