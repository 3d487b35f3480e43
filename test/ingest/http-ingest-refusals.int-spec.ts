import { sleep } from '../support/service-process';
import {
  BATCH,
  ErrorBody,
  IntakeBody,
  MAX_BATCH_EVENTS,
  MAX_BODY_BYTES,
  NEIGHBOUR_SOURCE,
  post,
  postChunked,
  RATE_LIMIT_PER_MINUTE,
  RATE_LIMITED_SOURCE,
  REVOKED_SOURCE,
  sha256,
  SINGLE,
  SOURCE,
  useHttpIngest,
} from './http-ingest-harness';

/**
 * The API keys of POST /v1/events and the requests it refuses whole: keys registered through the CLI as hashes;
 * 401 without a valid key, 415 to other media types, 400 to bodies that are no JSON (array), 413 over the body
 * and batch limits, 429 over a source's events a minute; none of it reaches Kafka. Real processes, as set up by
 * ./http-ingest-harness.ts.
 */

describe('POST /v1/events on a spawned ingest service: API keys and refused requests', () => {
  const {
    environment,
    expectedCanonical,
    ingest,
    rateLimitedIngest,
    rateLimitedKey,
    revokedKey,
    neighbourKey,
    credentials,
    validEvent,
    withKey,
    wroteExactlyTheAcceptedEvents,
  } = useHttpIngest('http_ingest_refusals', { rateLimited: true });
  let apiKey: string;

  beforeAll(() => {
    ({ apiKey } = credentials);
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

  wroteExactlyTheAcceptedEvents();
});
