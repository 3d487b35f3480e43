import { createHash } from 'node:crypto';
import { HEADERS } from '@dvc/contracts';
import type { DossierState } from '@dvc/domain';
import type { ExpectedDossier } from './ground-truth';
import type { Delivery } from './scenario';
import type { TopicRecord } from './topic-reads';

/**
 * A checker in the spirit of Jepsen's Kafka test, for the pipeline: the final reads of every topic (read_committed),
 * the aggregator's state in PostgreSQL and the receivers' logs are compared with what the test wrote and the
 * producer acknowledged. Each check yields problems (strings naming the record), never a bare boolean, so that a
 * failure says which event was lost, misrouted or applied twice.
 *
 * What "once" means here, from the code: ingest is exactly-once from the input to the canonical and dead-letter
 * topics (each batch's records and its consumed offsets in one Kafka transaction, zombies fenced by per-partition
 * transactional ids), and passes a repeated id on like any other message (the input's duplicates are messages of
 * their own); the aggregator's dossier states make a repeated id change nothing (exactly-once effect). So, as the
 * Kafka Streams exactly-once system tests judge their output under crashes (read with read_committed, every input
 * record's output exactly once: no more, no fewer), each valid input message has exactly one canonical copy (an id
 * the input holds n times: n copies), each invalid one exactly one dead letter, nothing else and nothing misrouted;
 * and the effect in PostgreSQL must be exact.
 */

export { readWholeTopic } from './topic-reads';
export type { TopicRecord } from './topic-reads';

/** Counts per outcome: what the success message prints. */
export interface DeliverySummary {
  /** Messages the test produced (and the broker acknowledged), and found again on the input topic. */
  produced: number;
  distinctValidIds: number;
  /** Valid input messages whose id an earlier message already had (the scenario's duplicates). */
  repeatedInInput: number;
  invalid: number;
  canonicalRecords: number;
  /** Canonical copies beyond the input's (a problem each: ingest re-sent a batch). */
  canonicalRepeated: number;
  deadLetters: number;
  /** Dead letters beyond one per invalid input message (a problem each). */
  deadLettersRepeated: number;
  /** Distinct ids counted (on the canonical topic, applied by the aggregator). */
  counted: number;
  /** Invalid input messages dead-lettered. */
  deadLettered: number;
  dossiers: number;
}

export interface Verdict<S> {
  summary: S;
  problems: string[];
}

const where = (record: TopicRecord) => `${record.partition}/${record.offset}`;
const idKey = (source: unknown, id: unknown) => `${String(source)} ${String(id)}`;

/** The id of an input message as ingest will read it: binary mode's ce_id header, else the JSON value's id. */
function inputIdOf(record: TopicRecord): string | null {
  if (record.headers.ce_id !== undefined) return idKey(record.headers.ce_source, record.headers.ce_id);
  try {
    const parsed = JSON.parse(record.value?.toString('utf8') ?? 'null') as { id?: unknown; source?: unknown } | null;
    return parsed && typeof parsed.id === 'string' ? idKey(parsed.source, parsed.id) : null;
  } catch {
    return null;
  }
}

/**
 * The input, the canonical and the dead-letter topics against the deliveries the test produced:
 * - nothing acknowledged lost by the broker: the input topic holds exactly the deliveries produced;
 * - every distinct valid id reaches the canonical topic exactly as many times as the input holds it, and never the
 *   dead-letter topic; every invalid input message reaches the dead-letter topic exactly once (its origin headers
 *   name its offset, its bytes are the original ones, a reason is given) and never the canonical topic;
 * - nothing unexpected: no canonical record whose id the test never wrote validly, no dead letter of a valid
 *   message, no record keyed by another dossier;
 * - per dossier, the first copies of its ids keep the order of the input (ingest's ordering promise).
 */
export function checkTopics(input: {
  deliveries: Delivery[];
  inputTopic: string;
  inputRecords: TopicRecord[];
  canonical: TopicRecord[];
  deadLetters: TopicRecord[];
}): Verdict<Omit<DeliverySummary, 'dossiers'>> {
  const problems: string[] = [];
  const problem = (text: string) => void (problems.length < 200 ? problems.push(text) : problems.length === 200 && problems.push('... (more problems)'));
  const validEvents = new Map(input.deliveries.filter((delivery) => delivery.event).map((delivery) => [idKey(delivery.event!.source, delivery.event!.id), delivery.event!]));
  const invalidBytes = new Map<string, number>();
  for (const delivery of input.deliveries) if (delivery.invalidBytes !== undefined) invalidBytes.set(delivery.invalidBytes, (invalidBytes.get(delivery.invalidBytes) ?? 0) + 1);

  // 1. The input topic: what the broker acknowledged to the test's producer, all of it and nothing else.
  const inputCopies = new Map<string, number>();
  const invalidAt = new Map<string, TopicRecord>();
  const seenInvalid = new Map<string, number>();
  const inputOrder = new Map<string, string[]>();
  const inputAt = new Map(input.inputRecords.map((record) => [where(record), record]));
  for (const record of input.inputRecords) {
    const text = record.value?.toString('utf8') ?? '';
    if (record.headers.ce_id === undefined && invalidBytes.has(text)) {
      invalidAt.set(where(record), record);
      seenInvalid.set(text, (seenInvalid.get(text) ?? 0) + 1);
      continue;
    }
    const id = inputIdOf(record);
    const event = id === null ? undefined : validEvents.get(id);
    if (id === null || !event) {
      problem(`input ${where(record)}: a message the test never produced: ${text.slice(0, 120)}`);
      continue;
    }
    if (!inputCopies.has(id)) {
      const order = inputOrder.get(event.subject) ?? [];
      order.push(id);
      inputOrder.set(event.subject, order);
    }
    inputCopies.set(id, (inputCopies.get(id) ?? 0) + 1);
  }
  const producedCopies = new Map<string, number>();
  for (const delivery of input.deliveries) {
    if (delivery.event) producedCopies.set(idKey(delivery.event.source, delivery.event.id), (producedCopies.get(idKey(delivery.event.source, delivery.event.id)) ?? 0) + 1);
  }
  for (const [id, copies] of producedCopies) if (inputCopies.get(id) !== copies) problem(`input: ${id} was produced ${copies} time(s) and acknowledged, but the input topic holds it ${inputCopies.get(id) ?? 0} time(s)`);
  for (const [bytes, copies] of invalidBytes) if (seenInvalid.get(bytes) !== copies) problem(`input: invalid bytes ${bytes.slice(0, 80)} produced ${copies} time(s), on the topic ${seenInvalid.get(bytes) ?? 0} time(s)`);

  // 2. The canonical topic.
  const canonicalCopies = new Map<string, number>();
  const canonicalOrder = new Map<string, string[]>();
  for (const record of input.canonical) {
    let event: { id?: unknown; source?: unknown; dossierCode?: unknown };
    try {
      event = JSON.parse(record.value?.toString('utf8') ?? 'null') ?? {};
    } catch {
      problem(`canonical ${where(record)}: not JSON`);
      continue;
    }
    const id = idKey(event.source, event.id);
    const original = validEvents.get(id);
    if (!original) {
      problem(`canonical ${where(record)}: ${id} is no valid event the test wrote (unexpected)`);
      continue;
    }
    if (event.dossierCode !== original.subject || record.key !== original.subject) {
      problem(`canonical ${where(record)}: ${id} carries dossier ${String(event.dossierCode)} keyed ${record.key}, the input's is ${original.subject}`);
    }
    if (!canonicalCopies.has(id)) {
      const order = canonicalOrder.get(original.subject) ?? [];
      order.push(id);
      canonicalOrder.set(original.subject, order);
    }
    canonicalCopies.set(id, (canonicalCopies.get(id) ?? 0) + 1);
  }
  let canonicalRepeated = 0;
  for (const [id, copies] of inputCopies) {
    const out = canonicalCopies.get(id) ?? 0;
    if (out === 0) problem(`lost: ${id} (${copies} input message(s)) never reached the canonical topic`);
    else if (out < copies) problem(`lost: ${id} was written ${copies} times to the input, passed on ${out} time(s)`);
    else if (out > copies) {
      canonicalRepeated += out - copies;
      problem(`repeated: ${id} was written ${copies} time(s) to the input, the canonical topic holds it ${out} times`);
    }
  }
  for (const [dossier, order] of inputOrder) {
    const seen = canonicalOrder.get(dossier) ?? [];
    if (seen.join('\n') !== order.join('\n') && seen.length === order.length) problem(`order: dossier ${dossier}: input order ${order.join(', ')}, canonical order ${seen.join(', ')}`);
  }

  // 3. The dead-letter topic: each letter names its origin; the origin must be an invalid input message.
  const letters = new Map<string, TopicRecord[]>();
  for (const record of input.deadLetters) {
    const origin = `${record.headers[HEADERS.originalPartition]}/${record.headers[HEADERS.originalOffset]}`;
    if (record.headers[HEADERS.originalTopic] !== input.inputTopic || !invalidAt.has(origin)) {
      const valid = record.headers[HEADERS.originalTopic] === input.inputTopic && inputAt.has(origin) ? inputIdOf(inputAt.get(origin)!) : null;
      problem(`dead letter ${where(record)}: origin ${record.headers[HEADERS.originalTopic]} ${origin} is no invalid input message${valid ? ` (it is ${valid}: a valid event misrouted)` : ''}`);
      continue;
    }
    const original = invalidAt.get(origin)!;
    if (!record.value || !original.value || !record.value.equals(original.value)) problem(`dead letter ${where(record)}: its bytes differ from the input's at ${origin}`);
    if (!record.headers[HEADERS.rejectionReason]) problem(`dead letter ${where(record)}: no ${HEADERS.rejectionReason}`);
    letters.set(origin, [...(letters.get(origin) ?? []), record]);
  }
  let deadLettersRepeated = 0;
  for (const origin of invalidAt.keys()) {
    const copies = letters.get(origin) ?? [];
    if (copies.length === 0) problem(`lost: the invalid input message at ${origin} was never dead-lettered`);
    if (copies.length > 1) {
      deadLettersRepeated += copies.length - 1;
      problem(`repeated: the invalid input message at ${origin} was dead-lettered ${copies.length} times (at ${copies.map(where).join(', ')})`);
    }
  }

  const repeatedInInput = [...inputCopies.values()].reduce((total, copies) => total + copies - 1, 0);
  return {
    summary: {
      produced: input.inputRecords.length,
      distinctValidIds: inputCopies.size,
      repeatedInInput,
      invalid: invalidAt.size,
      canonicalRecords: input.canonical.length,
      canonicalRepeated,
      deadLetters: input.deadLetters.length,
      deadLettersRepeated,
      counted: [...inputCopies.keys()].filter((id) => canonicalCopies.has(id)).length,
      deadLettered: [...invalidAt.keys()].filter((origin) => letters.has(origin)).length,
    },
    problems,
  };
}

/**
 * The aggregator's effect against the ground truth's winners: one state per dossier, naming exactly the events the
 * contract says win (received, completed, first payment, withdrawn, paid online), no state for anything else, and
 * every partition applied exactly to the end of the canonical topic.
 */
export function checkStates(input: {
  expected: Map<string, ExpectedDossier>;
  states: Array<{ dossier_code: string; state: DossierState }>;
  appliedOffsets: Map<number, bigint>;
  canonicalEnds: Map<number, bigint>;
}): Verdict<{ dossiers: number }> {
  const problems: string[] = [];
  const stored = new Map(input.states.map((row) => [row.dossier_code, row.state]));
  const id = (event: { source: string; id: string } | null | undefined) => (event ? idKey(event.source, event.id) : null);
  for (const [code, wanted] of input.expected) {
    const state = stored.get(code);
    if (!state) {
      problems.push(`state: dossier ${code} has no state`);
      continue;
    }
    const seen = { received: id(state.received), completed: id(state.completed), firstPayment: id(state.firstPayment), withdrawn: id(state.withdrawn), paidOnline: state.paidOnline };
    const want = { received: id(wanted.received), completed: id(wanted.completed), firstPayment: id(wanted.firstPayment), withdrawn: id(wanted.withdrawn), paidOnline: wanted.paidOnline };
    if (JSON.stringify(seen) !== JSON.stringify(want)) problems.push(`state: dossier ${code} names ${JSON.stringify(seen)}, the contract says ${JSON.stringify(want)}`);
    if (problems.length >= 200) break;
  }
  for (const code of stored.keys()) if (!input.expected.has(code)) problems.push(`state: dossier ${code} has a state but no valid event`);
  for (const [partition, end] of input.canonicalEnds) {
    const applied = input.appliedOffsets.get(partition) ?? 0n;
    if (applied !== end) problems.push(`offsets: canonical partition ${partition} applied up to ${applied}, its end is ${end}`);
  }
  return { summary: { dossiers: stored.size }, problems };
}

export interface OutboxRecord {
  id: string;
  channel: 'email' | 'webhook' | 'kafka';
  event: string;
  status: string;
  attempts: number;
  dedupe_key: string;
  /** The webhook body's eventId (X-DVC-Event-Id), for webhook rows. */
  webhook_event_id: string | null;
}

/** The Message-ID the alerting service gives the e-mail of an outbox row (stable across re-sends). */
export const messageIdOf = (dedupeKey: string) => `<${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 40)}@dvc-monitor>`;

/** One delivery a receiver took: the notification's key on its channel, when it arrived in full, and what it carried. */
export interface Delivered {
  key: string;
  at: number;
  content: string;
}

/**
 * Every notification the outbox records, against what the receivers took: sent (none pending or failed), and
 * delivered exactly once on its channel (e-mails by Message-ID, webhooks by X-DVC-Event-Id, Kafka notices by
 * dvc-event-id); nothing delivered that the outbox does not record.
 *
 * One exception, and only one, is the window no sender to SMTP or HTTP can close: a sender SIGKILLed once the
 * receiver has the notification and before its outbox row was marked sent leaves the row to be sent again by the
 * other instance.
 * A second copy is accepted (and listed in `resentAfterKills`, the finding) only when it is an exact copy and a kill
 * of an alerting instance falls between the arrivals of the first copy and of the copy (the sender died after
 * sending it, before its outbox row was marked sent: before or after the receiver's answer); a killed instance has at most
 * `concurrency` sends in flight (a Kafka send carries up to `kafkaBatch` notices), so a kill explains at most that
 * many copies per channel. Any other second copy is a problem.
 */
export function checkNotifications(input: {
  outbox: OutboxRecord[];
  delivered: Record<OutboxRecord['channel'], Delivered[]>;
  alertingKills: Array<{ n: number; at: number }>;
  concurrency: number;
  kafkaBatch: number;
}): Verdict<Record<string, number>> & { resentAfterKills: string[] } {
  const problems: string[] = [];
  const resentAfterKills: string[] = [];
  const byKey = (items: Delivered[]) =>
    items.reduce((copies, item) => copies.set(item.key, [...(copies.get(item.key) ?? []), item]), new Map<string, Delivered[]>());
  const delivered = { email: byKey(input.delivered.email), webhook: byKey(input.delivered.webhook), kafka: byKey(input.delivered.kafka) };
  const expected = { email: new Set<string>(), webhook: new Set<string>(), kafka: new Set<string>() };
  const explainedBy = new Map<string, number>();
  for (const row of input.outbox) {
    const key = row.channel === 'email' ? messageIdOf(row.dedupe_key) : row.channel === 'webhook' ? (row.webhook_event_id ?? '') : row.dedupe_key;
    expected[row.channel].add(key);
    const label = `${row.channel} notification ${row.id} (${row.event}, ${row.dedupe_key})`;
    if (row.status !== 'sent') problems.push(`${label} is ${row.status} after ${row.attempts} attempt(s)`);
    const copies = [...(delivered[row.channel].get(key) ?? [])].sort((a, b) => a.at - b.at);
    if (copies.length === 0) problems.push(`${label} was never delivered`);
    for (let index = 1; index < copies.length; index += 1) {
      const [before, copy] = [copies[index - 1], copies[index]];
      const limit = row.channel === 'kafka' ? input.concurrency * input.kafkaBatch : input.concurrency;
      const kill = input.alertingKills.find((candidate) => candidate.at >= before.at && candidate.at <= copy.at && (explainedBy.get(`${candidate.n} ${row.channel}`) ?? 0) < limit);
      if (copy.content !== before.content) problems.push(`${label} was delivered ${copies.length} times, and copy ${index + 1} differs from the one before`);
      else if (!kill) problems.push(`${label} was delivered ${copies.length} times, and no kill of an alerting instance between copy ${index} (${new Date(before.at).toISOString()}) and copy ${index + 1} (${new Date(copy.at).toISOString()}) explains it`);
      else {
        explainedBy.set(`${kill.n} ${row.channel}`, (explainedBy.get(`${kill.n} ${row.channel}`) ?? 0) + 1);
        resentAfterKills.push(`${label}: arrived at ${new Date(before.at).toISOString()}, its sender killed ${kill.at - before.at} ms later (kill #${kill.n}) before it recorded the send, again at ${new Date(copy.at).toISOString()}`);
      }
    }
  }
  for (const channel of ['email', 'webhook', 'kafka'] as const) {
    for (const [key, copies] of delivered[channel]) if (!expected[channel].has(key)) problems.push(`${channel}: ${copies.length} deliveries of ${key}, which the outbox does not record`);
  }
  const summary: Record<string, number> = {};
  for (const channel of ['email', 'webhook', 'kafka'] as const) {
    summary[`${channel}Notifications`] = expected[channel].size;
    summary[`${channel}Deliveries`] = input.delivered[channel].length;
  }
  summary.resentAfterKills = resentAfterKills.length;
  return { summary, problems, resentAfterKills };
}
