import { kafkaClient } from '../support/infrastructure';
import { eventually, ServiceProcess, sleep, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';

/**
 * The outbox dispatcher's Kafka notices in batches (OUTBOX_KAFKA_BATCH), against the alerting service as a real
 * process, real PostgreSQL and the real broker. Outbox rows are written straight into notification_outbox, as a
 * sweep that opened many alerts would have: what is under test is how they leave, not how they were decided.
 */

const environment = new TestEnvironment('outbox_kafka_batch');
const alertsTopic = `test.outbox_kafka_batch.${environment.runId}.alerts`;
const BATCH = 100;
const MAX_ATTEMPTS = 3;

interface Notice {
  alertId: string;
  eventId: string;
  event: 'open' | 'resolve';
}

/** `count` alerts, each with an open and a resolve notice (in that order of id, as a sweep writes them). */
function noticesOf(prefix: string, count: number): Notice[] {
  return Array.from({ length: count }, (_, index) => {
    const alertId = `00000000-0000-4000-8${prefix}-${String(index).padStart(12, '0')}`;
    return [
      { alertId, eventId: `${alertId}:open`, event: 'open' as const },
      { alertId, eventId: `${alertId}:resolve`, event: 'resolve' as const },
    ];
  }).flat();
}

async function enqueue(notices: Array<Notice & { padding?: string }>): Promise<void> {
  await environment.query(
    `INSERT INTO notification_outbox (alert_id, event, channel, recipient, payload, dedupe_key)
     SELECT NULL, n.event, 'kafka', $1, jsonb_build_object('eventId', n.event_id, 'alertId', n.alert_id, 'padding', n.padding), n.event_id
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS n(event, event_id, alert_id, padding, position)
     ORDER BY n.position`,
    [alertsTopic, notices.map((n) => n.event), notices.map((n) => n.eventId), notices.map((n) => n.alertId), notices.map((n) => n.padding ?? '')],
  );
}

interface OutboxState {
  dedupe_key: string;
  status: string;
  attempts: number;
  sent_at: string | null;
}

async function outboxOf(eventIds: string[]): Promise<OutboxState[]> {
  return environment.query<OutboxState>(
    `SELECT dedupe_key, status, attempts, sent_at::text AS sent_at FROM notification_outbox WHERE dedupe_key = ANY($1::text[]) ORDER BY id`,
    [eventIds],
  );
}

/** Every message on the alerts topic so far: event id (header) and alert id (key), in partition order. */
async function topicMessages(expected: number): Promise<Array<{ eventId: string; key: string; partition: number }>> {
  const seen: Array<{ eventId: string; key: string; partition: number }> = [];
  const consumer = kafkaClient('dvc-test', environment.kafkaBrokers).consumer({ groupId: `outbox-check.${environment.runId}.${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: alertsTopic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        seen.push({ eventId: String(message.headers?.['dvc-event-id']), key: message.key?.toString() ?? '', partition });
      },
    });
    await eventually(async () => (seen.length >= expected ? true : undefined), 30_000, `${expected} messages on the alerts topic`);
    // Anything written twice would arrive within this pause too.
    await sleep(1_000);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

async function pending(): Promise<number> {
  const [row] = await environment.query<{ n: string }>(`SELECT count(*) AS n FROM notification_outbox WHERE status = 'pending'`);
  return Number(row.n);
}

describe('outbox: Kafka notices leave in batches, in order, and a refused one fails alone', () => {
  beforeAll(async () => {
    await environment.prepare(1);
    await environment.createTopics([alertsTopic], 3);
    await new ServiceProcess(
      'alerting',
      environment.serviceEnvironment({
        TOPIC_ALERTS: alertsTopic,
        SMTP_URL: 'smtp://127.0.0.1:9',
        // No sweep during the test: only the rows written here are dispatched.
        ALERT_SWEEP_INTERVAL_MS: String(24 * 3_600_000),
        ALERT_LEADER_LOCK_KEY: `dvc:test:outbox-batch:${environment.runId}`,
        OUTBOX_POLL_INTERVAL_MS: '100',
        OUTBOX_KAFKA_BATCH: String(BATCH),
        OUTBOX_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        OUTBOX_RETRY_BASE_MS: '200',
        OUTBOX_RETRY_MAX_MS: '400',
      }),
    ).start();
  });

  afterAll(async () => {
    await stopAllServices();
    await environment.cleanUp();
  });

  it('sends 1,000 notices once each, in order per alert, in a few transactions of at most the batch size', async () => {
    const notices = noticesOf('001', 500);
    await enqueue(notices);
    await eventually(async () => ((await pending()) === 0 ? true : undefined), 60_000, 'the outbox to drain');

    const rows = await outboxOf(notices.map((n) => n.eventId));
    expect(rows).toHaveLength(1_000);
    expect(rows.every((row) => row.status === 'sent' && row.attempts === 1)).toBe(true);
    // now() is the transaction's start: rows marked sent together share it.
    const perTransaction = new Map<string, number>();
    for (const row of rows) perTransaction.set(row.sent_at!, (perTransaction.get(row.sent_at!) ?? 0) + 1);
    expect(Math.max(...perTransaction.values())).toBeLessThanOrEqual(BATCH);
    expect(perTransaction.size).toBeLessThanOrEqual(1_000 / BATCH + 8);

    const messages = await topicMessages(1_000);
    expect(messages).toHaveLength(1_000);
    expect(new Set(messages.map((m) => m.eventId))).toEqual(new Set(notices.map((n) => n.eventId)));
    expect(messages.filter((m) => !m.eventId.startsWith(`${m.key}:`))).toEqual([]);
    // One alert's open comes before its resolve: same key, same partition, in order.
    const openSeen = new Set<string>();
    const resolvedBeforeOpen = messages.filter((m) => {
      if (m.eventId.endsWith(':open')) openSeen.add(m.key);
      return m.eventId.endsWith(':resolve') && !openSeen.has(m.key);
    });
    expect(resolvedBeforeOpen).toEqual([]);
  });

  it('a notice the broker refuses (larger than a message may be) fails alone; the rest of its batch is retried one by one and sent', async () => {
    const notices = noticesOf('002', 60);
    const refused = { ...notices[41], padding: 'x'.repeat(1_500_000) };
    await enqueue(notices.map((notice, index) => (index === 41 ? refused : notice)));
    const everyId = notices.map((n) => n.eventId);
    await eventually(
      async () => ((await outboxOf(everyId)).every((row) => row.status !== 'pending') ? true : undefined),
      60_000,
      'every notice sent or failed',
    );

    const rows = await outboxOf(everyId);
    const refusedRow = rows.find((row) => row.dedupe_key === refused.eventId)!;
    expect(refusedRow).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    const others = rows.filter((row) => row.dedupe_key !== refused.eventId);
    expect(others).toHaveLength(119);
    expect(others.every((row) => row.status === 'sent')).toBe(true);
    // Those claimed with the refused one were sent on their own afterwards: a second attempt, never a third.
    expect(others.every((row) => row.attempts <= 2)).toBe(true);
    expect(others.some((row) => row.attempts === 2)).toBe(true);

    // On the topic: every other notice, the refused one never. The refused request's other partitions were
    // written before their rows were retried, so those rows may be there twice (delivery is at least once;
    // consumers deduplicate on dvc-event-id) — only those, never a notice of another request.
    const messages = (await topicMessages(1_000 + 119)).filter((m) => m.eventId.includes('-8002-'));
    expect(new Set(messages.map((m) => m.eventId))).toEqual(new Set(others.map((row) => row.dedupe_key)));
    const copies = new Map<string, number>();
    for (const m of messages) copies.set(m.eventId, (copies.get(m.eventId) ?? 0) + 1);
    const retried = new Set(others.filter((row) => row.attempts === 2).map((row) => row.dedupe_key));
    expect([...copies].filter(([eventId, n]) => n > 2 || (n === 2 && !retried.has(eventId)))).toEqual([]);
  });
});
