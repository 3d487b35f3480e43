import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudEventV1, DossierEventKind, exampleCloudEvent } from '@dvc/contracts';
import { REPO_ROOT } from '../support/infrastructure';
import { readTopic } from '../support/kafka-io';
import { idOf, TopicCollector } from '../support/topic-collector';
import { eventually, ServiceProcess, sleep } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';

/**
 * POST /v1/events on a spawned ingest service (real Kafka, PostgreSQL and Redis): the shared setup of
 * test/ingest/http-ingest-events and http-ingest-refusals. Each spec file calls useHttpIngest once, in its
 * top-level describe, with its own name (its own database and topics), and ends with wroteExactlyTheAcceptedEvents,
 * which checks that file's tally: the ids its responses said were accepted / rejected, and nothing else, reached Kafka.
 */

export const MAX_BODY_BYTES = 256 * 1024;
export const MAX_BATCH_EVENTS = 5;
export const RATE_LIMIT_PER_MINUTE = 3;
export const BATCH = 'application/cloudevents-batch+json';
export const SINGLE = 'application/cloudevents+json';

export const SOURCE = 'urn:dvc:motcua:hung-yen';
export const RATE_LIMITED_SOURCE = 'urn:dvc:motcua:bac-ninh';
export const REVOKED_SOURCE = 'urn:dvc:motcua:ha-noi';
/** Sends only to the rate-limited instance, so its per-minute count is its own (counters are shared in Redis). */
export const NEIGHBOUR_SOURCE = 'urn:dvc:motcua:thai-binh';

export type { EventResult } from '../../services/ingest/src/services/http-intake.service';
import type { EventResult } from '../../services/ingest/src/services/http-intake.service';

export interface IntakeBody {
  accepted: number;
  rejected: number;
  results: EventResult[];
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  retryAfterSeconds?: number;
}

export interface Answer<B = unknown> {
  status: number;
  headers: Headers;
  body: B;
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export async function post<B = unknown>(
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
export function postChunked(url: string, headers: Record<string, string>, chunks: Buffer[]): Promise<Answer<ErrorBody>> {
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

/**
 * Registers the spec's beforeAll (four sources registered through the CLI, one of them revoked; the ingest
 * service, and with `rateLimited` a second one limited to RATE_LIMIT_PER_MINUTE events a minute; collectors on
 * the canonical and dead-letter topics) and afterAll; returns them, the tally and the request helpers.
 * `credentials` holds the API key the CLI printed for SOURCE and that source's id once the beforeAll has run.
 */
export function useHttpIngest(environmentName: string, { rateLimited = false }: { rateLimited?: boolean } = {}) {
  const environment = new TestEnvironment(environmentName);
  const run = environment.runId;
  let serial = 0;
  const canonical = new TopicCollector(environment.topics.canonicalEvents);
  const deadLetters = new TopicCollector(environment.topics.deadLetter);
  /** Ids the responses said were accepted / rejected: exactly these, and nothing else, must reach Kafka. */
  const expectedCanonical: string[] = [];
  const expectedDeadLetters: string[] = [];
  // Filled in by the beforeAll; a service reads its environment when it starts, so it can be created now.
  const ingestEnvironment: Record<string, string> = {};
  const rateLimitedEnvironment: Record<string, string> = {};
  const ingest = new ServiceProcess('ingest', ingestEnvironment);
  const rateLimitedIngest = new ServiceProcess('ingest', rateLimitedEnvironment);
  const credentials = { apiKey: '', sourceId: '' };
  const services: ServiceProcess[] = [];
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
    // Every event of these files is about agencies of Hưng Yên (H31); the agency binding has its own test file.
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
    Object.assign(credentials, { apiKey, sourceId });

    const limits = { INGEST_HTTP_MAX_BODY_BYTES: String(MAX_BODY_BYTES), INGEST_HTTP_MAX_BATCH_EVENTS: String(MAX_BATCH_EVENTS) };
    Object.assign(ingestEnvironment, environment.serviceEnvironment(limits));
    Object.assign(
      rateLimitedEnvironment,
      environment.serviceEnvironment({ ...limits, INGEST_HTTP_EVENTS_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE), INGEST_GROUP_ID: `ingest-rate.${run}` }),
    );
    // Registered before starting, so afterAll stops a process even when its start-up failed.
    services.push(ingest, ...(rateLimited ? [rateLimitedIngest] : []));
    await Promise.all([...services.map((service) => service.start()), canonical.start(), deadLetters.start()]);
  });

  afterAll(async () => {
    const outcomes = await Promise.allSettled([...services.map((service) => service.stop()), canonical.stop(), deadLetters.stop()]);
    await environment.cleanUp();
    const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failures.length > 0) throw new Error(`clean-up failed: ${failures.map((failure) => String(failure.reason)).join('; ')}`);
  });

  /** The file's last test: exactly its accepted events on the canonical topic, its rejected ones on the DLQ. */
  function wroteExactlyTheAcceptedEvents(): void {
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
  }

  return {
    environment,
    run,
    canonical,
    deadLetters,
    expectedCanonical,
    expectedDeadLetters,
    ingest,
    rateLimitedIngest,
    rateLimitedKey,
    revokedKey,
    neighbourKey,
    credentials,
    validEvent,
    withKey,
    wroteExactlyTheAcceptedEvents,
  };
}
