import { Client } from 'pg';
import { appliedOffsets, duringOutage, expectExactAfterFaults, WatchSummary } from '../support/fault-checks';
import { groundTruth } from '../support/ground-truth';
import { produceDeliveries } from '../support/kafka-io';
import { PrivatePostgres } from '../support/private-postgres';
import { generateScenario } from '../support/scenario';
import { eventually, ServiceProcess, sleep, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';

interface Stop {
  /** Offsets applied just before the stop, and backends inside a transaction then. */
  applied: number;
  inTransaction: number;
  /** What the services showed while the server was down. */
  watched: WatchSummary;
}

/**
 * PostgreSQL itself stops under the pipeline: not severed connections (dependency-restarts.int-spec.ts
 * does that on the machine's shared server), but a server of this file's own (test/support/private-postgres.ts:
 * initdb into a temp dir, a port of its own) stopped with `pg_ctl stop -m immediate` — every backend killed
 * mid-transaction, no checkpoint, crash recovery at the next start — while ingest, the aggregator and the api
 * work through a replay. Twice: once down for 10 s, once started again at once. Nobody restarts the
 * services: while the server is down the aggregator's (and the api's) /health/ready must be red, no process
 * may exit (the pids at the end are those of the start), and once the server is back and the pipeline has
 * caught up, the stored counts and the API equal the ground truth.
 */
describe('exact counts through a stop and restart of PostgreSQL', () => {
  const postgres = new PrivatePostgres();
  let environment: TestEnvironment;
  const deliveries = generateScenario({ dossiers: 8_000, seed: 1515, invalidShare: 0.01 });
  const validDeliveries = deliveries.filter((delivery) => delivery.event).length;
  const expected = groundTruth(deliveries.filter((delivery) => delivery.event).map((delivery) => delivery.event!));
  let env: Record<string, string>;

  beforeAll(async () => {
    await postgres.start();
    environment = new TestEnvironment('postgres_faults', { postgresUrl: postgres.url });
    // Small fetches: many short transactions, so that a stop always finds one in flight.
    env = environment.serviceEnvironment({ AGGREGATOR_MAX_BYTES_PER_PARTITION: String(128 * 1024) });
    await environment.prepare();
  });

  afterAll(async () => {
    await stopAllServices();
    await environment?.cleanUp();
    // Whatever happened: the server stops and its directory goes (its database with it).
    postgres.destroy();
  });

  /** Waits (up to 15 s) until a backend of the test database is inside a transaction, then stops the server at once. */
  async function stopMidTransaction(services: ServiceProcess[], downMs: number): Promise<Stop> {
    const applied = await appliedOffsets(environment);
    let inTransaction = 0;
    const client = new Client({ connectionString: environment.databaseUrl });
    await client.connect();
    try {
      for (const deadline = performance.now() + 15_000; inTransaction === 0 && performance.now() < deadline; await sleep(5)) {
        const { rows } = await client.query<{ busy: string }>(
          `SELECT count(*) AS busy FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND state <> 'idle'`,
        );
        inTransaction = Number(rows[0].busy);
      }
    } finally {
      // Closed before the stop: a connection the server drops would be an error with no one listening.
      await client.end();
    }
    // Red while down: the aggregator must notice (a pool with no server), whatever downMs is.
    const watched = await duringOutage({
      services,
      unready: services[1],
      holdMs: downMs,
      begin: () => postgres.stop('immediate'),
      end: () => postgres.start(),
      what: 'while PostgreSQL is down',
    });
    return { applied, inTransaction, watched };
  }

  // Its own timeout: a server start, two stops, three service start-ups and a catch-up of 8,000 dossiers on 2 cores.
  it('pg_ctl stop -m immediate mid-replay, twice: readiness red while down, no exit, exact once caught up', async () => {
    // Half as a backlog, so that the first stop comes while the services are busy with it; the rest after it.
    const half = Math.floor(deliveries.length / 2);
    await produceDeliveries(environment.topics.dossierEvents, deliveries.slice(0, half));
    const services = await Promise.all([new ServiceProcess('ingest', env).start(), new ServiceProcess('aggregator', env).start(), new ServiceProcess('api', env).start()]);
    const [, aggregator, api] = services;
    const startPids = Object.fromEntries(services.map((service) => [service.service, service.pid]));

    await eventually(async () => ((await appliedOffsets(environment)) > 0 ? true : undefined), 60_000, 'the aggregator to apply something');
    const first = await stopMidTransaction(services, 10_000);
    await produceDeliveries(environment.topics.dossierEvents, deliveries.slice(half));
    // The second stop once the aggregator is past where it was at the first: the server started again at once.
    await eventually(async () => ((await appliedOffsets(environment)) > first.applied + 500 ? true : undefined), 90_000, 'progress after the first restart');
    const second = await stopMidTransaction(services, 0);

    console.log(`postgres faults: ${JSON.stringify({ validDeliveries, first, second })}`);
    for (const stop of [first, second]) {
      // Mid-replay, on work in flight.
      expect(stop.applied).toBeGreaterThan(0);
      expect(stop.applied).toBeLessThan(validDeliveries);
      // While the server was down: the aggregator and the api unready, naming the database; every process alive, same pid.
      expect(stop.watched.statuses.aggregator).toContain(503);
      expect(stop.watched.downChecks.aggregator).toEqual(['database']);
      expect(stop.watched.statuses.api).toContain(503);
      expect(stop.watched.downChecks.api).toEqual(['database']);
      expect(stop.watched.downChecks.ingest).toEqual(['database']);
      expect(stop.watched.pids).toEqual(Object.fromEntries(Object.entries(startPids).map(([name, pid]) => [name, [pid]])));
    }
    expect(first.inTransaction + second.inTransaction).toBeGreaterThan(0);
    expect(aggregator.running).toBe(true);

    await expectExactAfterFaults({ environment, ingestGroup: env.INGEST_GROUP_ID, services, startPids, api, expected });
  }, 420_000);
});
