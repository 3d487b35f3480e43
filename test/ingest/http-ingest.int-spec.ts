import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudEventV1, DossierEventKind, exampleCloudEvent, HEADERS, LIMITS } from '@dvc/contracts';
import { kafkaClient, REPO_ROOT } from '../support/infrastructure';
import { readTopic } from '../support/kafka-io';
import { idOf, TopicCollector } from '../support/topic-collector';
import { eventually, ServiceProcess, sleep } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';

const MAX_BODY_BYTES = 256 * 1024;
const MAX_BATCH_EVENTS = 5;
const RATE_LIMIT_PER_MINUTE = 3;
const BATCH = 'application/cloudevents-batch+json';
const SINGLE = 'application/cloudevents+json';

const SOURCE = 'urn:dvc:motcua:hung-yen';
const RATE_LIMITED_SOURCE = 'urn:dvc:motcua:bac-ninh';
const REVOKED_SOURCE = 'urn:dvc:motcua:ha-noi';
/** Sends only to the rate-limited instance, so its per-minute count is its own (counters are shared in Redis). */
const NEIGHBOUR_SOURCE = 'urn:dvc:motcua:thai-binh';

interface EventResult {
  index: number;
  id: string | null;
  status: 'accepted' | 'rejected';
  field?: string | null;
  reason?: string;
}

interface IntakeBody {
  accepted: number;
  rejected: number;
  results: EventResult[];
}

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  retryAfterSeconds?: number;
}

interface Answer<B = unknown> {
  status: number;
  headers: Headers;
  body: B;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function post<B = unknown>(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<Answer<B>> {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  const response = await fetch(`${url}/v1/events`, { method: 'POST', headers, body: payload });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // kept as text; the assertion on it will say what came back
  }
  return { status: response.status, headers: response.headers, body: parsed as B };
}

/** Sends the body with Transfer-Encoding: chunked, so no Content-Length tells the server its size in advance. */
function postChunked(url: string, headers: Record<string, string>, chunks: Buffer[]): Promise<Answer<ErrorBody>> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest(`${url}/v1/events`, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => {
        answered = true;
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') responseHeaders.set(name, value);
        resolve({ status: response.statusCode ?? 0, headers: responseHeaders, body: JSON.parse(Buffer.concat(parts).toString('utf8')) as ErrorBody });
        request.destroy();
      });
    });
    // The server may answer and close before it has read everything; the answer is what matters.
    request.on('error', (error) => (answered ? undefined : reject(error)));
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

describe('POST /v1/events on a spawned ingest service (real Kafka, PostgreSQL and Redis)', () => {
  const environment = new TestEnvironment('http_ingest');
  const run = environment.runId;
  let serial = 0;
  const canonical = new TopicCollector(environment.topics.canonicalEvents);
  const deadLetters = new TopicCollector(environment.topics.deadLetter);
  /** Ids the responses said were accepted / rejected: exactly these, and nothing else, must reach Kafka. */
  const expectedCanonical: string[] = [];
  const expectedDeadLetters: string[] = [];
  const services: ServiceProcess[] = [];
  let ingest: ServiceProcess;
  let rateLimitedIngest: ServiceProcess;
  let apiKey: string;
  const rateLimitedKey = `dvc_test_rate_${run}`;
  const revokedKey = `dvc_test_revoked_${run}`;
  const neighbourKey = `dvc_test_neighbour_${run}`;
  let sourceId: string;

  /** A valid event of a new dossier (or of `dossierCode`), built from the contract's example. */
  function validEvent(kind: DossierEventKind = 'received', dossierCode?: string, source = SOURCE): CloudEventV1 {
    const event = exampleCloudEvent(kind);
    const code = dossierCode ?? `000.00.17.H31-${run}-${++serial}`;
    event.id = `http-${run}-${++serial}`;
    event.source = source;
    event.subject = code;
    event.data.dossierCode = code;
    return event;
  }

  const withKey = (contentType: string, key = apiKey): Record<string, string> => ({ 'content-type': contentType, 'x-api-key': key });

  async function addSourceWithCli(name: string, source: string, key?: string): Promise<string> {
    // Every event of this file is about agencies of Hưng Yên (H31); the agency binding has its own test file.
    const args = [join(REPO_ROOT, 'dist/services/ingest/src/cli/add-source.js'), '--name', name, '--source', source, '--agencies', '*.H31'];
    if (key) args.push('--key', key);
    const { stdout } = await promisify(execFile)(process.execPath, args, { env: { ...process.env, DATABASE_URL: environment.databaseUrl } });
    const printed = /its API key \(shown only now\): (\S+)\s*$/.exec(stdout);
    if (!printed) throw new Error(`add-source printed no key: ${stdout}`);
    return printed[1];
  }

  beforeAll(async () => {
    await environment.prepare();
    apiKey = await addSourceWithCli('Một cửa Hưng Yên (test)', SOURCE);
    expect(await addSourceWithCli('Một cửa Bắc Ninh (test)', RATE_LIMITED_SOURCE, rateLimitedKey)).toBe(rateLimitedKey);
    await addSourceWithCli('Một cửa Hà Nội (test)', REVOKED_SOURCE, revokedKey);
    await addSourceWithCli('Một cửa Thái Bình (test)', NEIGHBOUR_SOURCE, neighbourKey);
    await environment.query(`UPDATE ingest_sources SET revoked_at = now() WHERE source_uri = $1`, [REVOKED_SOURCE]);
    [{ id: sourceId }] = await environment.query<{ id: string }>(`SELECT id FROM ingest_sources WHERE source_uri = $1`, [SOURCE]);

    const limits = { INGEST_HTTP_MAX_BODY_BYTES: String(MAX_BODY_BYTES), INGEST_HTTP_MAX_BATCH_EVENTS: String(MAX_BATCH_EVENTS) };
    ingest = new ServiceProcess('ingest', environment.serviceEnvironment(limits));
    rateLimitedIngest = new ServiceProcess(
      'ingest',
      environment.serviceEnvironment({ ...limits, INGEST_HTTP_EVENTS_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE), INGEST_GROUP_ID: `ingest-rate.${run}` }),
    );
    // Registered before starting, so afterAll stops a process even when its start-up failed.
    services.push(ingest, rateLimitedIngest);
    await Promise.all([...services.map((service) => service.start()), canonical.start(), deadLetters.start()]);
  });

  afterAll(async () => {
    const outcomes = await Promise.allSettled([...services.map((service) => service.stop()), canonical.stop(), deadLetters.stop()]);
    await environment.cleanUp();
    const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failures.length > 0) throw new Error(`clean-up failed: ${failures.map((failure) => String(failure.reason)).join('; ')}`);
  });

  it('registers sources through the CLI keeping only the SHA-256 of each key', async () => {
    const rows = await environment.query<{ source_uri: string; api_key_hash: string }>(`SELECT source_uri, api_key_hash FROM ingest_sources`);
    expect(Object.fromEntries(rows.map((row) => [row.source_uri, row.api_key_hash]))).toEqual({
      [SOURCE]: sha256(apiKey),
      [RATE_LIMITED_SOURCE]: sha256(rateLimitedKey),
      [REVOKED_SOURCE]: sha256(revokedKey),
      [NEIGHBOUR_SOURCE]: sha256(neighbourKey),
    });
    expect(apiKey).toMatch(/^dvc_[\w-]{32}$/);
    const everything = JSON.stringify(await environment.query(`SELECT * FROM ingest_sources`));
    for (const key of [apiKey, rateLimitedKey, revokedKey, neighbourKey]) expect(everything).not.toContain(key);
  });

  it('accepts a valid batch: 200 with a result per event, canonical events keyed by dossier code', async () => {
    const sharedDossier = `000.00.17.H31-${run}-shared`;
    const received = validEvent('received', sharedDossier);
    const paid = validEvent('paid', sharedDossier);
    const completed = validEvent('completed', sharedDossier);
    const other = validEvent('received');
    // A name in NFD (decomposed) must come out in NFC; a UTC time stays the same instant.
    other.data.procedure.name = 'Đăng ký khai sinh'.normalize('NFD');
    other.time = '2025-03-04T01:30:00.5Z';
    const withdrawn = validEvent('withdrawn');
    const batch = [received, paid, completed, other, withdrawn];
    expect(batch).toHaveLength(MAX_BATCH_EVENTS);

    const before = Date.now();
    const answer = await post<IntakeBody>(ingest.url, batch, withKey(BATCH));
    const after = Date.now();
    expectedCanonical.push(...batch.map((event) => event.id));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      accepted: 5,
      rejected: 0,
      results: batch.map((event, index) => ({ index, id: event.id, status: 'accepted' })),
    });

    const delivered = await canonical.byIds(batch.map((event) => event.id), 'the accepted batch');
    for (const event of batch) {
      const message = delivered.get(event.id)!;
      expect(message.key).toBe(event.subject);
      expect(message.headers[HEADERS.ingestChannel]).toBe('http');
      expect(Number(message.headers[HEADERS.ingestedAt])).toBeGreaterThanOrEqual(before);
      expect(Number(message.headers[HEADERS.ingestedAt])).toBeLessThanOrEqual(after);
    }
    // One dossier, one partition, in the order sent.
    const sameDossier = [received, paid, completed].map((event) => delivered.get(event.id)!);
    expect(new Set(sameDossier.map((message) => message.partition)).size).toBe(1);
    expect(sameDossier.map((message) => message.offset)).toEqual([...sameDossier.map((message) => message.offset)].sort((a, b) => (a < b ? -1 : 1)));

    const agency = { code: '000.00.17.H31', name: 'UBND huyện Văn Lâm', level: 'district', parentCode: '000.00.00.H31' };
    const procedure = { code: '1.001612', name: 'Đăng ký khai sinh', sector: 'Hộ tịch', onlineLevel: 'full' };
    expect(JSON.parse(delivered.get(received.id)!.value!.toString())).toEqual({
      kind: 'received',
      id: received.id,
      source: SOURCE,
      time: '2025-03-04T01:30:00.000000000Z',
      dossierCode: sharedDossier,
      procedure,
      agency,
      applicantType: null,
      channel: 'online',
      receivedAt: '2025-03-04T01:30:00.000000000Z',
      dueAt: '2025-03-10T10:00:00.000000000Z',
    });
    expect(JSON.parse(delivered.get(paid.id)!.value!.toString())).toMatchObject({
      kind: 'paid',
      paidAt: '2025-03-04T01:45:00.000000000Z',
      amountVnd: 8000,
      method: 'online',
    });
    expect(JSON.parse(delivered.get(other.id)!.value!.toString())).toMatchObject({
      time: '2025-03-04T01:30:00.500000000Z',
      procedure: { name: 'Đăng ký khai sinh'.normalize('NFC') },
    });
  });

  it('accepts a single structured event with Authorization: Bearer and media-type parameters', async () => {
    const event = validEvent('completed');
    const answer = await post<IntakeBody>(ingest.url, event, {
      'content-type': 'Application/CloudEvents+JSON; charset=UTF-8',
      authorization: `Bearer ${apiKey}`,
    });
    expectedCanonical.push(event.id);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ accepted: 1, rejected: 0, results: [{ index: 0, id: event.id, status: 'accepted' }] });
    const delivered = await canonical.byIds([event.id], 'the single event');
    expect(delivered.get(event.id)!.key).toBe(event.subject);
  });

  it('answers an empty batch with 200 and no results', async () => {
    const answer = await post<IntakeBody>(ingest.url, [], withKey(BATCH));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ accepted: 0, rejected: 0, results: [] });
  });

  it('rejects only the invalid events of a batch, naming the field, and dead-letters them with the reason', async () => {
    const first = validEvent('received');
    const noOffset = validEvent('received');
    noOffset.time = '2025-03-04T08:30:00';
    const last = validEvent('paid');
    const batch: unknown[] = [first, noOffset, 42, last];

    const answer = await post<IntakeBody>(ingest.url, batch, withKey(BATCH));
    expectedCanonical.push(first.id, last.id);
    expectedDeadLetters.push(noOffset.id, '<no id: 42>');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      accepted: 2,
      rejected: 2,
      results: [
        { index: 0, id: first.id, status: 'accepted' },
        { index: 1, id: noOffset.id, status: 'rejected', field: 'time', reason: expect.stringMatching(/^time .*offset \(Z or ±hh:mm\) is missing/) },
        { index: 2, id: null, status: 'rejected', field: null, reason: expect.stringContaining('must be a JSON object') },
        { index: 3, id: last.id, status: 'accepted' },
      ],
    });

    await canonical.byIds([first.id, last.id], 'the valid neighbours of an invalid event');
    const letter = (await deadLetters.byIds([noOffset.id], 'the dead-lettered event')).get(noOffset.id)!;
    expect(JSON.parse(letter.value!.toString())).toEqual(noOffset);
    expect(letter.key).toBeNull();
    expect(letter.headers).toEqual({
      [HEADERS.rejectionField]: 'time',
      [HEADERS.rejectionReason]: answer.body.results[1].reason,
      [HEADERS.ingestChannel]: 'http',
      'dvc-ingest-source-id': sourceId,
    });
    const notAnObject = await eventually(async () => deadLetters.messages.find((message) => message.value?.toString() === '42'), 30_000, 'the non-object item in the DLQ');
    expect(notAnObject.headers[HEADERS.rejectionReason]).toBe(answer.body.results[2].reason);
    expect(notAnObject.headers).not.toHaveProperty(HEADERS.rejectionField);
    expect(canonical.ids()).not.toContain(noOffset.id);
  });

  it('answers 400 to a single rejected event, with its result, and dead-letters it', async () => {
    const event = validEvent('received');
    (event.data as { channel: string }).channel = 'fax';
    const answer = await post<IntakeBody>(ingest.url, event, withKey(SINGLE));
    expectedDeadLetters.push(event.id);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      accepted: 0,
      rejected: 1,
      results: [{ index: 0, id: event.id, status: 'rejected', field: 'data.channel', reason: 'data.channel must be one of online, in_person, postal (got "fax")' }],
    });
    const letter = (await deadLetters.byIds([event.id], 'the rejected single event')).get(event.id)!;
    expect(letter.headers[HEADERS.rejectionField]).toBe('data.channel');
    expect(canonical.ids()).not.toContain(event.id);
  });

  it('rejects events whose source is not the one the API key is registered for', async () => {
    const own = validEvent('received');
    const foreign = validEvent('received', undefined, RATE_LIMITED_SOURCE);
    const batchAnswer = await post<IntakeBody>(ingest.url, [own, foreign], withKey(BATCH));
    expectedCanonical.push(own.id);
    expectedDeadLetters.push(foreign.id);
    expect(batchAnswer.status).toBe(200);
    expect(batchAnswer.body).toEqual({
      accepted: 1,
      rejected: 1,
      results: [
        { index: 0, id: own.id, status: 'accepted' },
        { index: 1, id: foreign.id, status: 'rejected', field: 'source', reason: expect.stringContaining(JSON.stringify(SOURCE)) },
      ],
    });

    const foreignSingle = validEvent('paid', undefined, REVOKED_SOURCE);
    const singleAnswer = await post<IntakeBody>(ingest.url, foreignSingle, withKey(SINGLE));
    expectedDeadLetters.push(foreignSingle.id);
    expect(singleAnswer.status).toBe(400);
    expect(singleAnswer.body).toMatchObject({ accepted: 0, rejected: 1, results: [{ index: 0, id: foreignSingle.id, status: 'rejected', field: 'source' }] });

    const letters = await deadLetters.byIds([foreign.id, foreignSingle.id], 'the events of another source');
    for (const letter of letters.values()) {
      expect(letter.headers[HEADERS.rejectionField]).toBe('source');
      expect(letter.headers['dvc-ingest-source-id']).toBe(sourceId);
    }
    await canonical.byIds([own.id], 'the own-source neighbour');
    expect(canonical.ids()).not.toEqual(expect.arrayContaining([foreign.id]));
    expect(canonical.ids()).not.toEqual(expect.arrayContaining([foreignSingle.id]));
  });

  it('counts events per batch by the API key\'s source, never by a source the event claims', async () => {
    const text = await (await fetch(`${ingest.url}/metrics`)).text();
    const series = text.split('\n').filter((line) => line.startsWith('dvc_ingest_events_total{'));
    const count = (outcome: string, source: string) =>
      series.filter((line) => line.includes(`outcome="${outcome}"`) && line.includes(`source="${source}"`) && line.includes('transport="http"'));
    expect(count('accepted', SOURCE)).toHaveLength(1);
    expect(count('rejected', SOURCE)).toHaveLength(1);
    expect(Number(count('rejected', SOURCE)[0].split(' ').pop())).toBeGreaterThanOrEqual(2);
    // The foreign events above named these sources; they were counted as the key's.
    expect(series.filter((line) => line.includes(RATE_LIMITED_SOURCE) || line.includes(REVOKED_SOURCE))).toEqual([]);
  });

  it('rejects an event over the per-event size limit while accepting its neighbour', async () => {
    const small = validEvent('received');
    const large = { ...validEvent('received'), padding: 'x'.repeat(LIMITS.eventBytes) };
    const answer = await post<IntakeBody>(ingest.url, [small, large], withKey(BATCH));
    expectedCanonical.push(small.id);
    expectedDeadLetters.push(large.id);
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      { index: 0, id: small.id, status: 'accepted' },
      { index: 1, id: large.id, status: 'rejected', field: null, reason: expect.stringMatching(/more than the limit of 65536 bytes/) },
    ]);
    await deadLetters.byIds([large.id], 'the oversize event');
  });

  it.each([
    ['no key at all', {}],
    ['an unknown x-api-key', { 'x-api-key': 'dvc_not-a-registered-key' }],
    ['an unknown Bearer key', { authorization: 'Bearer dvc_not-a-registered-key' }],
    ['a revoked key', { 'x-api-key': revokedKey }],
    ['a key in a scheme other than Bearer', { authorization: 'Basic ' + Buffer.from('x:y').toString('base64') }],
  ])('answers 401 to %s', async (_case, auth: Record<string, string>) => {
    const event = validEvent('received', undefined, REVOKED_SOURCE);
    const answer = await post<ErrorBody>(ingest.url, [event], { 'content-type': BATCH, ...auth });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(/API key/) });
  });

  it.each([
    ['application/json', 'application/json'],
    ['text/plain', 'text/plain'],
    ['a non-UTF-8 charset', `${SINGLE}; charset=iso-8859-1`],
    ['no Content-Type', undefined],
  ])('answers 415 to %s', async (_case, contentType: string | undefined) => {
    const event = validEvent('received');
    const headers: Record<string, string> = { 'x-api-key': apiKey };
    if (contentType) headers['content-type'] = contentType;
    // A Buffer body makes fetch send no Content-Type of its own.
    const answer = await post<ErrorBody>(ingest.url, Buffer.from(JSON.stringify(event)), headers);
    expect(answer.status).toBe(415);
    expect(answer.body).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: expect.stringMatching(contentType ? /must be/ : /Content-Type is missing/),
    });
  });

  it.each([
    ['malformed JSON', BATCH, '[{"specversion": "1.0", "id": '],
    ['an empty body', SINGLE, ''],
    ['a batch that is not a JSON array', BATCH, '{"specversion": "1.0"}'],
  ])('answers 400 to %s', async (_case, contentType, body) => {
    const answer = await post<ErrorBody>(ingest.url, Buffer.from(body), withKey(contentType));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.stringMatching(/not valid JSON|is empty|must be a JSON array/),
    });
  });

  it('answers 413 to a body over INGEST_HTTP_MAX_BODY_BYTES, with or without Content-Length', async () => {
    const event = validEvent('received');
    const oversize = Buffer.from(JSON.stringify([{ ...event, padding: 'x'.repeat(MAX_BODY_BYTES) }]));
    const expected = { statusCode: 413, error: 'Payload Too Large', message: `the body may be at most ${MAX_BODY_BYTES} bytes` };

    const withLength = await post<ErrorBody>(ingest.url, oversize, withKey(BATCH));
    expect(withLength.status).toBe(413);
    expect(withLength.body).toEqual(expected);

    const chunks = Array.from({ length: Math.ceil(oversize.length / 16_384) }, (_, i) => oversize.subarray(i * 16_384, (i + 1) * 16_384));
    const chunked = await postChunked(ingest.url, withKey(BATCH), chunks);
    expect(chunked.status).toBe(413);
    expect(chunked.body).toEqual(expected);

    // A large body within the limit is read, and its events judged one by one.
    const fits = Array.from({ length: 4 }, () => ({ ...validEvent('received'), padding: 'y'.repeat(60_000) }));
    const fitsBytes = Buffer.byteLength(JSON.stringify(fits));
    expect(fitsBytes).toBeGreaterThan(MAX_BODY_BYTES * 0.9);
    expect(fitsBytes).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const fitting = await post<IntakeBody>(ingest.url, fits, withKey(BATCH));
    expectedCanonical.push(...fits.map((event) => event.id));
    expect(fitting.status).toBe(200);
    expect(fitting.body).toMatchObject({ accepted: 4, rejected: 0 });
  });

  it('answers 413 to a batch of more than INGEST_HTTP_MAX_BATCH_EVENTS events, and accepts none of them', async () => {
    const batch = Array.from({ length: MAX_BATCH_EVENTS + 1 }, () => validEvent('received'));
    const answer = await post<ErrorBody>(ingest.url, batch, withKey(BATCH));
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: `a batch may hold at most ${MAX_BATCH_EVENTS} events (got ${MAX_BATCH_EVENTS + 1})`,
    });
  });

  it('answers 429 once a source has sent more events this minute than INGEST_HTTP_EVENTS_PER_MINUTE', async () => {
    // The budget is per calendar minute: start early in one so the window cannot roll over mid-test.
    const secondOfMinute = (Date.now() / 1000) % 60;
    if (secondOfMinute > 45) await sleep((60 - secondOfMinute) * 1000 + 250);

    const headers = withKey(BATCH, rateLimitedKey);
    const within = [validEvent('received', undefined, RATE_LIMITED_SOURCE), validEvent('received', undefined, RATE_LIMITED_SOURCE)];
    const first = await post<IntakeBody>(rateLimitedIngest.url, within, headers);
    expectedCanonical.push(...within.map((event) => event.id));
    expect(first.status).toBe(200);
    expect(first.body.accepted).toBe(2);

    const over = [validEvent('paid', undefined, RATE_LIMITED_SOURCE), validEvent('paid', undefined, RATE_LIMITED_SOURCE)];
    const limited = await post<ErrorBody>(rateLimitedIngest.url, over, headers);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringContaining(`this source may send ${RATE_LIMIT_PER_MINUTE} events a minute`),
      retryAfterSeconds: expect.any(Number),
    });
    expect(limited.body.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(limited.body.retryAfterSeconds).toBeLessThanOrEqual(60);
    const retryAfter = limited.headers.get('retry-after');
    expect(retryAfter).toBe(String(limited.body.retryAfterSeconds));

    // Still over for the rest of the minute, even for one event.
    const single = validEvent('paid', undefined, RATE_LIMITED_SOURCE);
    expect((await post(rateLimitedIngest.url, single, withKey(SINGLE, rateLimitedKey))).status).toBe(429);

    // The budget is per source: another source on the same instance is not limited.
    const otherSource = validEvent('received', undefined, NEIGHBOUR_SOURCE);
    const unaffected = await post<IntakeBody>(rateLimitedIngest.url, [otherSource], withKey(BATCH, neighbourKey));
    expectedCanonical.push(otherSource.id);
    expect(unaffected.status).toBe(200);
    expect(unaffected.body.accepted).toBe(1);
  });

  it('wrote exactly the accepted events to the canonical topic and the rejected ones to the DLQ, nothing of refused requests', async () => {
    await canonical.byIds(expectedCanonical, 'every accepted event');
    await eventually(async () => (deadLetters.messages.length >= expectedDeadLetters.length ? true : undefined), 30_000, 'every dead letter');
    // Anything a refused request (401, 413, 415, 429, 400 body) had leaked would be on the topics by now.
    await sleep(2_000);
    expect(canonical.ids().sort()).toEqual([...expectedCanonical].sort());
    expect(deadLetters.ids().sort()).toEqual([...expectedDeadLetters].sort());

    // A fresh consumer group reads the same from the beginning: the writes are durable, not just seen once.
    const reread = await readTopic(environment.topics.canonicalEvents, expectedCanonical.length, 30_000);
    expect(reread.map((message) => idOf(message.value)).sort()).toEqual([...expectedCanonical].sort());
  });
});
