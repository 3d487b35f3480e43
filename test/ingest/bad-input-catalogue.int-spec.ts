import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Message } from 'kafkajs';
import { EXAMPLE_SOURCE, HEADERS, MEDIA_TYPES } from '@dvc/contracts';
import {
  ACCEPTED_CASES,
  BAD_INPUT_CASES,
  CATALOGUE_HTTP_LIMITS,
  catalogueEvent,
  Channel,
  eventInput,
  HttpInput,
  KafkaInput,
  Outcome,
  RawEvent,
  Reason,
  reasonMatches,
  reasonText,
} from '../../libs/contracts/src/testing/bad-input-catalogue';
import { kafkaClient, REPO_ROOT } from '../support/infrastructure';
import { readTopic } from '../support/kafka-io';
import { ServiceProcess, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';
import { idOf } from '../support/topic-collector';

type KafkaChannel = Exclude<Channel, 'http'>;
type Read = Awaited<ReturnType<typeof readTopic>>[number];

/** An answer of POST /v1/events: per-event results, or a refused request's status and message. */
interface Answer {
  status: number;
  body: { results?: Array<{ index: number; status: string; field?: string | null; reason?: string }>; statusCode?: number; message?: string };
}

/** What was sent for one case on one channel, and how to find what came back. */
interface Sent {
  /** The dossier code the case's event ended up with (its own when the case removed `data`): no canonical message may carry it. */
  dossierCode: string;
  kafkaKey?: string;
  kafkaValue?: Buffer | null;
  /** Over HTTP, the dead letter's value: ingest writes the rejected item back as JSON. */
  httpDeadLetterValue?: string;
  httpBatchIndex?: number;
  httpAnswer?: Answer;
}

/**
 * Every kind of the bad-input catalogue (libs/contracts/src/testing/bad-input-catalogue.ts, docs/bad-input.md)
 * through a spawned ingest service: Kafka structured and binary mode on one partition of the input topic, then
 * HTTP (the per-event cases in one batch, the request-level ones one request each). Each channel is sent in one
 * pass with valid events behind the bad ones; then the canonical and dead-letter topics are read once.
 */
describe('the bad-input catalogue on a spawned ingest service (Kafka both modes, HTTP)', () => {
  const environment = new TestEnvironment('bad_input');
  const run = environment.runId;
  const sent = new Map<string, Sent>();
  const expectedCanonical: string[] = [];
  let ingest: ServiceProcess;
  let apiKey: string;
  let canonical: Read[] = [];
  let deadLetters: Read[] = [];
  let batchAnswer: Answer;
  let finalAnswer: Answer;

  const sentKey = (index: number | string, channel: Channel) => `${index} ${channel}`;
  const dossierOf = (label: string) => `000.00.17.H31-${run}-${label}`;

  async function addSource(): Promise<string> {
    const cli = join(REPO_ROOT, 'dist/services/ingest/src/cli/add-source.js');
    const args = [cli, '--name', 'Một cửa Hưng Yên (bad input)', '--source', EXAMPLE_SOURCE, '--agencies', '*.H31'];
    const { stdout } = await promisify(execFile)(process.execPath, args, { env: { ...process.env, DATABASE_URL: environment.databaseUrl } });
    const printed = /its API key \(shown only now\): (\S+)\s*$/.exec(stdout);
    if (!printed) throw new Error(`add-source printed no key: ${stdout}`);
    return printed[1];
  }

  async function post(input: HttpInput): Promise<Answer> {
    const response = await fetch(`${ingest.url}/v1/events`, { method: 'POST', headers: { 'content-type': input.contentType, 'x-api-key': apiKey }, body: input.body });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) as Answer['body'] };
    } catch {
      return { status: response.status, body: { message: text } };
    }
  }

  /** All bad cases of one Kafka mode, then the accepted look-alikes, then a valid event: one partition, in order. */
  function kafkaPass(channel: KafkaChannel): Message[] {
    const messages: Message[] = [];
    const add = (key: string, input: KafkaInput) => messages.push({ key, value: input.value, headers: input.headers, partition: 0 });
    BAD_INPUT_CASES.forEach((badCase, index) => {
      const channelCase = badCase[channel];
      if (!channelCase) return;
      const event = catalogueEvent(badCase.eventKind ?? 'received', `bad-${run}-${index}-${channel}`, dossierOf(`${index}`));
      const input = channelCase.input(event);
      const key = `${run} ${index} ${channel}`;
      sent.set(sentKey(index, channel), { dossierCode: event.data?.dossierCode ?? dossierOf(`${index}`), kafkaKey: key, kafkaValue: input.value });
      add(key, input);
    });
    ACCEPTED_CASES.forEach((acceptedCase, index) => {
      const id = `accepted-${run}-${index}-${channel}`;
      add(id, eventInput(channel, catalogueEvent(acceptedCase.eventKind ?? 'received', id, dossierOf(`a${index}`)), acceptedCase.editData));
      expectedCanonical.push(id);
    });
    const validId = `valid-${run}-${channel}`;
    add(validId, eventInput(channel, catalogueEvent('received', validId, dossierOf('valid'))));
    expectedCanonical.push(validId);
    return messages;
  }

  async function sendKafka(): Promise<void> {
    const producer = kafkaClient('dvc-test-bad-input').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (const channel of ['kafka-structured', 'kafka-binary'] as const) {
        await producer.send({ topic: environment.topics.dossierEvents, messages: kafkaPass(channel), acks: -1 });
      }
    } finally {
      await producer.disconnect();
    }
  }

  /** The per-event cases and the look-alikes in one batch with a valid event last; each request-level case alone; a valid event after all. */
  async function sendHttp(): Promise<void> {
    const items: Buffer[] = [];
    const requests: Array<{ key: string; input: HttpInput }> = [];
    BAD_INPUT_CASES.forEach((badCase, index) => {
      const channelCase = badCase.http;
      if (!channelCase) return;
      const event = catalogueEvent(badCase.eventKind ?? 'received', `bad-${run}-${index}-http`, dossierOf(`${index}`));
      const input = channelCase.input(event);
      const entry: Sent = { dossierCode: event.data?.dossierCode ?? dossierOf(`${index}`) };
      sent.set(sentKey(index, 'http'), entry);
      if (channelCase.outcome.deadLettered) {
        entry.httpBatchIndex = items.push(input.body) - 1;
        entry.httpDeadLetterValue = JSON.stringify(JSON.parse(input.body.toString('utf8')));
      } else {
        requests.push({ key: sentKey(index, 'http'), input });
      }
    });
    ACCEPTED_CASES.forEach((acceptedCase, index) => {
      const id = `accepted-${run}-${index}-http`;
      items.push(eventInput('http', catalogueEvent(acceptedCase.eventKind ?? 'received', id, dossierOf(`a${index}`)), acceptedCase.editData).body);
      expectedCanonical.push(id);
    });
    const valid = (id: string): RawEvent => {
      expectedCanonical.push(id);
      return catalogueEvent('received', id, dossierOf('valid'));
    };
    items.push(Buffer.from(JSON.stringify(valid(`valid-${run}-http-batch`))));
    expect(items.length).toBeLessThanOrEqual(CATALOGUE_HTTP_LIMITS.maxBatchEvents);
    const batch = Buffer.concat([Buffer.from('['), ...items.flatMap((item, i) => (i === 0 ? [item] : [Buffer.from(','), item])), Buffer.from(']')]);
    batchAnswer = await post({ contentType: MEDIA_TYPES.cloudEventBatch, body: batch });
    for (const { key, input } of requests) sent.get(key)!.httpAnswer = await post(input);
    finalAnswer = await post({ contentType: MEDIA_TYPES.cloudEvent, body: Buffer.from(JSON.stringify(valid(`valid-${run}-http-last`))) });
  }

  beforeAll(async () => {
    await environment.prepare();
    apiKey = await addSource();
    ingest = new ServiceProcess(
      'ingest',
      environment.serviceEnvironment({
        INGEST_HTTP_MAX_BODY_BYTES: String(CATALOGUE_HTTP_LIMITS.maxBodyBytes),
        INGEST_HTTP_MAX_BATCH_EVENTS: String(CATALOGUE_HTTP_LIMITS.maxBatchEvents),
      }),
    );
    await ingest.start();
    await Promise.all([sendKafka(), sendHttp()]);
    // The valid events came last on every channel: once they are in, every dead letter before them is written.
    const expectedDeadLetters = BAD_INPUT_CASES.reduce(
      (count, badCase) => count + (badCase['kafka-structured'] ? 1 : 0) + (badCase['kafka-binary'] ? 1 : 0) + (badCase.http?.outcome.deadLettered ? 1 : 0),
      0,
    );
    canonical = await readTopic(environment.topics.canonicalEvents, expectedCanonical.length, 30_000);
    deadLetters = await readTopic(environment.topics.deadLetter, expectedDeadLetters, 30_000);
  });

  afterAll(async () => {
    await stopAllServices();
    await environment.cleanUp();
  });

  it('lists in docs/bad-input.md exactly the kinds of the catalogue', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'bad-input.md'), 'utf8');
    const kinds = [...doc.matchAll(/^\| A?\d+ \| (.+?) \| /gm)].map((row) => row[1].replace(/\\\|/g, '|'));
    expect(kinds).toEqual([...BAD_INPUT_CASES, ...ACCEPTED_CASES].map((entry) => entry.kind));
    expect(BAD_INPUT_CASES.length).toBeGreaterThanOrEqual(40);
  });

  it('ingests the valid events behind the bad ones on every channel, and nothing else', () => {
    expect(finalAnswer).toEqual({ status: 200, body: { accepted: 1, rejected: 0, results: [{ index: 0, id: `valid-${run}-http-last`, status: 'accepted' }] } });
    expect(batchAnswer.status).toBe(200);
    expect(canonical.map((message) => idOf(message.value)).sort()).toEqual([...expectedCanonical].sort());
  });

  it.each(ACCEPTED_CASES.map((acceptedCase, index) => [acceptedCase.kind, index] as const))('accepts %s on every channel', (_kind, index) => {
    for (const channel of ['kafka-structured', 'kafka-binary', 'http'] as const) {
      const message = canonical.find((entry) => idOf(entry.value) === `accepted-${run}-${index}-${channel}`);
      expect(message).toBeDefined();
      expect(JSON.parse(message!.value!.toString('utf8'))).toMatchObject(ACCEPTED_CASES[index].canonical);
      expect(message!.value!.toString('utf8')).not.toMatch(/__proto__|constructor|polluted/);
    }
  });

  function expectReason(actual: string | undefined, reason: Reason) {
    // Compared as text, so that a failure shows both.
    expect(reasonMatches(reason, actual) ? reasonText(reason) : actual).toBe(reasonText(reason));
  }

  function expectDeadLetter(letter: Read | undefined, outcome: Extract<Outcome, { deadLettered: true }>, transport: 'kafka' | 'http') {
    expect(letter).toBeDefined();
    expectReason(letter!.headers[HEADERS.rejectionReason], outcome.reason);
    expect(letter!.headers[HEADERS.rejectionField]).toBe(outcome.field ?? undefined);
    expect(letter!.headers[HEADERS.ingestChannel]).toBe(transport);
  }

  it.each(BAD_INPUT_CASES.map((badCase, index) => [badCase.kind, index] as const))('%s', (_kind, index) => {
    const badCase = BAD_INPUT_CASES[index];
    for (const channel of ['kafka-structured', 'kafka-binary'] as const) {
      const channelCase = badCase[channel];
      if (!channelCase) continue;
      const entry = sent.get(sentKey(index, channel))!;
      const letter = deadLetters.find((message) => message.key === entry.kafkaKey);
      expectDeadLetter(letter, channelCase.outcome as Extract<Outcome, { deadLettered: true }>, 'kafka');
      expect(letter!.headers[HEADERS.originalTopic]).toBe(environment.topics.dossierEvents);
      // The original bytes, unchanged (a tombstone stays one).
      expect(letter!.value === null ? null : Buffer.compare(letter!.value, entry.kafkaValue!)).toBe(entry.kafkaValue === null ? null : 0);
    }
    const httpCase = badCase.http;
    if (httpCase) {
      const entry = sent.get(sentKey(index, 'http'))!;
      const outcome = httpCase.outcome;
      if (outcome.deadLettered) {
        const result = batchAnswer.body.results?.[entry.httpBatchIndex!];
        expect(result).toMatchObject({ index: entry.httpBatchIndex, status: 'rejected', field: outcome.field });
        expectReason(result?.reason, outcome.reason);
        expectDeadLetter(
          deadLetters.find((message) => message.headers[HEADERS.ingestChannel] === 'http' && message.value?.toString('utf8') === entry.httpDeadLetterValue),
          outcome,
          'http',
        );
      } else {
        expect(entry.httpAnswer).toMatchObject({ status: outcome.status, body: { statusCode: outcome.status } });
        expectReason(entry.httpAnswer!.body.message, outcome.reason);
      }
    }
    const dossierCodes = new Set([...sent.entries()].filter(([key]) => key.startsWith(`${index} `)).map(([, entry]) => entry.dossierCode));
    expect(canonical.filter((message) => message.key !== null && dossierCodes.has(message.key))).toEqual([]);
  });
});
