import { appliedOffsets, expectExactAfterFaults, readiness, ServiceWatch } from '../support/fault-checks';
import { groundTruth } from '../support/ground-truth';
import { addIngestSource } from '../support/ingest-sources';
import { passwordToken } from '../support/keycloak';
import { produceDeliveries } from '../support/kafka-io';
import { PrivateRedis } from '../support/private-redis';
import { generateScenario, RawEvent, SOURCE } from '../support/scenario';
import { eventually, ServiceProcess, sleep, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';

const HTTP_EVENTS_PER_MINUTE = 40;
const API_REQUESTS_PER_MINUTE = 3;
const HTTP_BATCH = 20;

/**
 * "Losing Redis degrades, never corrupts", for the pipeline: ingest (its HTTP rate limits), the aggregator
 * (no Redis at all) and the api (its rate limits) run against a redis-server of this file's own
 * (test/support/private-redis.ts; the machine's on 6379 is never touched), which is SIGKILLed mid-replay.
 * (Alerting without Redis is test/alerting/lifecycle-redis-loss.int-spec.ts's; the api alone with no Redis
 * at start-up, test/security/rate-limit-redis-down.int-spec.ts's.)
 *
 * While Redis is up its limits hold (429s beyond them); once it is gone: no limits (every request served),
 * every service ready (ingest's readiness reports Redis `degraded`), no process exits, and the counts and the
 * API equal the ground truth of every valid event — those posted over HTTP included.
 */
describe('Redis gone under the pipeline: degraded, never wrong', () => {
  const redis = new PrivateRedis();
  const environment = new TestEnvironment('redis_faults');
  const deliveries = generateScenario({ dossiers: 4_000, seed: 3737, invalidShare: 0.01 });
  const validEvents = [...new Set(deliveries.filter((delivery) => delivery.event).map((delivery) => delivery.event!))];
  // Every twelfth event goes over HTTP (the rate-limited path), the rest (and the invalid ones) over Kafka.
  const overHttp = new Set(validEvents.filter((_, index) => index % 12 === 0));
  const overKafka = deliveries.filter((delivery) => !delivery.event || !overHttp.has(delivery.event));
  const expected = groundTruth(validEvents);
  let env: Record<string, string>;
  let apiKey: string;

  beforeAll(async () => {
    await redis.start();
    await environment.prepare();
    apiKey = await addIngestSource(environment.databaseUrl, { name: 'Một cửa Hưng Yên (redis faults)', source: SOURCE, agencies: '*.H31' });
    env = environment.serviceEnvironment({
      REDIS_URL: redis.url,
      INGEST_HTTP_EVENTS_PER_MINUTE: String(HTTP_EVENTS_PER_MINUTE),
      API_RATE_LIMIT_PER_MINUTE: String(API_REQUESTS_PER_MINUTE),
    });
  });

  afterAll(async () => {
    await stopAllServices();
    await redis.kill();
    await environment.cleanUp();
  });

  /** Posts events as one batch; the ids accepted (all of them, or none when refused). */
  async function post(ingest: ServiceProcess, events: RawEvent[]): Promise<{ status: number; accepted: string[] }> {
    const response = await fetch(`${ingest.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json', 'x-api-key': apiKey },
      body: JSON.stringify(events),
    });
    const body = (await response.json()) as { results?: Array<{ id: string; status: string }> };
    return { status: response.status, accepted: (body.results ?? []).filter((result) => result.status === 'accepted').map((result) => result.id) };
  }

  /** Statuses of `count` requests in a row to the api, as one subject (the operator). */
  async function apiStatuses(api: ServiceProcess, count: number): Promise<number[]> {
    const headers = { authorization: `Bearer ${await passwordToken('operator')}` };
    const statuses: number[] = [];
    for (let index = 0; index < count; index += 1) statuses.push((await fetch(`${api.url}/v1/procedures`, { headers })).status);
    return statuses;
  }

  // Its own timeout: three service start-ups, the rate-limit rounds and a catch-up of 4,000 dossiers.
  it('SIGKILL of Redis mid-replay: limits off, every service ready, no exit, exact counts and API', async () => {
    const half = Math.floor(overKafka.length / 2);
    await produceDeliveries(environment.topics.dossierEvents, overKafka.slice(0, half));
    const services = await Promise.all([new ServiceProcess('ingest', env).start(), new ServiceProcess('aggregator', env).start(), new ServiceProcess('api', env).start()]);
    const [ingest, , api] = services;
    const startPids = Object.fromEntries(services.map((service) => [service.service, service.pid]));
    const batches: RawEvent[][] = [];
    const httpEvents = [...overHttp];
    for (let start = 0; start < httpEvents.length; start += HTTP_BATCH) batches.push(httpEvents.slice(start, start + HTTP_BATCH));
    const accepted = new Set<string>();

    // With Redis: the limits hold. Five batches of 20 against 40 a minute (and ten requests against three a
    // minute): however the minutes fall, one of them sees more than its limit.
    const withRedis: number[] = [];
    const refused: RawEvent[][] = [];
    for (const batch of batches.slice(0, 5)) {
      const answer = await post(ingest, batch);
      withRedis.push(answer.status);
      if (answer.status === 200) answer.accepted.forEach((id) => accepted.add(id));
      else refused.push(batch);
    }
    const apiWithRedis = await apiStatuses(api, 10);
    expect(withRedis).toContain(429);
    expect(withRedis.every((status) => status === 200 || status === 429)).toBe(true);
    expect(apiWithRedis).toContain(429);

    // Redis dies while the aggregator works through the backlog.
    await eventually(async () => ((await appliedOffsets(environment)) > 0 ? true : undefined), 60_000, 'the aggregator to apply something');
    const appliedAtKill = await appliedOffsets(environment);
    await redis.kill();
    const watch = new ServiceWatch(services);
    await sleep(1_000);
    // Without Redis: no limits. The refused batches and all the others go through, and the api serves every request.
    const withoutRedis: number[] = [];
    for (const batch of [...refused, ...batches.slice(5)]) {
      const answer = await post(ingest, batch);
      withoutRedis.push(answer.status);
      answer.accepted.forEach((id) => accepted.add(id));
    }
    const apiWithoutRedis = await apiStatuses(api, 10);
    await produceDeliveries(environment.topics.dossierEvents, overKafka.slice(half));
    await sleep(3_000);
    const watched = await watch.stop();
    const ingestReadiness = await readiness(ingest);
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
    const unavailable = Number(/^dvc_ingest_rate_limiter_unavailable_total(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? 0);

    console.log(`redis faults: ${JSON.stringify({ appliedAtKill, withRedis, apiWithRedis, withoutRedis, apiWithoutRedis, unavailable, watched, ingestReadiness })}`);
    expect(appliedAtKill).toBeLessThan(overKafka.length);
    expect(withoutRedis.every((status) => status === 200)).toBe(true);
    expect(withoutRedis.length).toBeGreaterThan(HTTP_EVENTS_PER_MINUTE / HTTP_BATCH);
    expect(apiWithoutRedis).toEqual(Array(10).fill(200));
    expect([...accepted].sort()).toEqual(httpEvents.map((event) => event.id).sort());
    expect(unavailable).toBeGreaterThan(0);
    // Ready throughout, all of them: Redis holds nothing they need to be right. Ingest says it runs degraded.
    expect(watched.statuses).toEqual({ ingest: [200], aggregator: [200], api: [200] });
    expect(ingestReadiness.body.redis).toMatchObject({ status: 'up', degraded: true });
    expect(watched.pids).toEqual(Object.fromEntries(Object.entries(startPids).map(([name, pid]) => [name, [pid]])));

    await expectExactAfterFaults({ environment, ingestGroup: env.INGEST_GROUP_ID, services, startPids, api, expected });
  }, 420_000);
});
