import { appliedOffsets, duringOutage, expectExactAfterFaults } from '../support/fault-checks';
import { FaultProxy } from '../support/fault-proxy';
import { groundTruth } from '../support/ground-truth';
import { produceDeliveries } from '../support/kafka-io';
import { NetworkNamespace } from '../support/network-namespace';
import { PrivatePostgres } from '../support/private-postgres';
import { generateScenario, seededRandom } from '../support/scenario';
import { eventually, ServiceProcess, sleep, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';

/**
 * The network between the services and PostgreSQL fails: delay, lost connections, a partition that heals.
 *
 * How, on this machine: the kernel (a Firecracker VM without modules) has no `sch_netem`, so
 * `tc qdisc add … netem delay/loss` is refused ("Specified qdisc kind is unknown"), and there is no
 * iptables/nft either. So:
 * - the partition is real: this file's own PostgreSQL server (test/support/private-postgres.ts) runs in a
 *   network namespace of its own (test/support/network-namespace.ts), reached over a veth pair; taking the
 *   inner end down drops every packet silently (open connections hang, no RST), bringing it up heals it;
 * - delay and loss come from a userspace TCP proxy of the test's own (test/support/fault-proxy.ts) between the
 *   services and that server: 20 ms on every chunk each way, a third of new connections reset at accept, every
 *   open connection reset at once, and a blackhole (nothing passes, nothing is closed) that lifts.
 * Kafka is not put behind the proxy: a broker hands its clients its advertised address (127.0.0.1:<its port>,
 * fixed by deploy/kafka/kafka.sh), so they would bypass a proxy after the first metadata request; Kafka
 * outages are dependency-restarts.int-spec.ts's (a hard kill of a broker of its own).
 *
 * Nobody restarts the services. While cut off, the aggregator's /health/ready must be red (the database),
 * no process may exit (the same pids throughout), and at the end the counts and the API must equal the
 * ground truth exactly. Without `ip netns` this file fails (it never skips).
 */
describe('exact counts through delay, lost connections and a healed partition between the services and PostgreSQL', () => {
  const netns = new NetworkNamespace();
  let postgres: PrivatePostgres | undefined;
  let proxy: FaultProxy | undefined;
  let environment: TestEnvironment | undefined;
  const deliveries = generateScenario({ dossiers: 6_000, seed: 2626, invalidShare: 0.01 });
  const validDeliveries = deliveries.filter((delivery) => delivery.event).length;
  const expected = groundTruth(deliveries.filter((delivery) => delivery.event).map((delivery) => delivery.event!));
  let env: Record<string, string>;

  beforeAll(async () => {
    await netns.create();
    postgres = new PrivatePostgres({ netns: netns.name, host: netns.peerAddress, port: 5432 });
    await postgres.start();
    proxy = new FaultProxy({ host: netns.peerAddress, port: 5432 }, seededRandom(77));
    await proxy.start();
    // The test's own queries go straight over the veth; the services' go through the proxy.
    environment = new TestEnvironment('network_faults', { postgresUrl: postgres.url });
    env = environment.serviceEnvironment({
      DATABASE_URL: `postgres://postgres@${proxy.address}/${environment.databaseName}`,
      AGGREGATOR_MAX_BYTES_PER_PARTITION: String(128 * 1024),
    });
    await environment.prepare();
  });

  afterAll(async () => {
    await stopAllServices();
    await environment?.cleanUp();
    await proxy?.close();
    // Whatever happened: the server stops before its namespace goes, then the veth pair and the namespace.
    postgres?.destroy();
    netns.destroy();
  });

  // Its own timeout: a server start, three service start-ups, four faults, TCP's retransmission back-off and a catch-up.
  it('delay, resets and a partition that heals: readiness red while cut off, no exit, exact at the end', async () => {
    const world = environment!;
    const faults = proxy!;
    const chunkSize = Math.ceil(deliveries.length / 6);
    const chunks = Array.from({ length: 6 }, (_, index) => deliveries.slice(index * chunkSize, (index + 1) * chunkSize));
    const services = await Promise.all([new ServiceProcess('ingest', env).start(), new ServiceProcess('aggregator', env).start(), new ServiceProcess('api', env).start()]);
    const [, aggregator, api] = services;
    const startPids = Object.fromEntries(services.map((service) => [service.service, service.pid]));
    const progressBeyond = async (applied: number, what: string) =>
      eventually(async () => ((await appliedOffsets(world)) > applied ? true : undefined), 120_000, what);

    // 1. Delay: every chunk held 20 ms each way. The pipeline must make progress through it.
    faults.latencyMs = 20;
    await produceDeliveries(world.topics.dossierEvents, chunks[0]);
    await progressBeyond(0, 'progress under a 20 ms delay');
    await produceDeliveries(world.topics.dossierEvents, chunks[1]);
    const appliedUnderDelay = await appliedOffsets(world);
    await progressBeyond(appliedUnderDelay, 'more progress under a 20 ms delay');

    // 2. Lost connections: a third of new ones reset at accept, and every open one reset, five times.
    faults.dropShare = 1 / 3;
    await produceDeliveries(world.topics.dossierEvents, chunks[2]);
    const resets: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      await sleep(1_000);
      resets.push(faults.resetAll());
    }
    const appliedAtResets = await appliedOffsets(world);
    faults.dropShare = 0;
    faults.latencyMs = 0;
    await progressBeyond(appliedAtResets, 'progress after the resets');

    // 3. The partition: the veth goes down under work in flight for 12 s, then comes back.
    await produceDeliveries(world.topics.dossierEvents, chunks[3]);
    await sleep(300);
    const appliedAtCut = await appliedOffsets(world);
    const cut = await duringOutage({ services, unready: aggregator, holdMs: 12_000, begin: () => netns.cut(), end: () => netns.heal(), what: 'while cut off' });
    const healedAt = performance.now();
    await progressBeyond(appliedAtCut, 'progress after the partition healed');
    const progressAfterHealMs = Math.round(performance.now() - healedAt);

    // 4. The proxy's blackhole: nothing passes on any connection for 8 s, nothing is closed; then it all flows again.
    await produceDeliveries(world.topics.dossierEvents, chunks[4]);
    await sleep(300);
    const appliedAtBlackhole = await appliedOffsets(world);
    const blackhole = await duringOutage({
      services,
      unready: aggregator,
      holdMs: 8_000,
      begin: () => faults.blackhole(true),
      end: () => faults.blackhole(false),
      what: 'in the blackhole',
    });
    await produceDeliveries(world.topics.dossierEvents, chunks[5]);

    console.log(`network faults: ${JSON.stringify({ validDeliveries, progressAfterHealMs, appliedUnderDelay, appliedAtResets, appliedAtCut, appliedAtBlackhole, resets, proxy: faults.stats, cut, blackhole })}`);
    // Each fault landed mid-stream, on a live pipeline.
    for (const applied of [appliedUnderDelay, appliedAtResets, appliedAtCut, appliedAtBlackhole]) expect(applied).toBeLessThan(validDeliveries);
    expect(appliedAtBlackhole).toBeGreaterThan(appliedAtCut);
    expect(faults.stats.dropped).toBeGreaterThan(0);
    expect(resets.reduce((total, count) => total + count, 0)).toBeGreaterThan(0);
    for (const watched of [cut, blackhole]) {
      // Red while cut off, for the database alone; every process alive with its first pid.
      expect(watched.statuses.aggregator).toContain(503);
      expect(watched.downChecks.aggregator).toEqual(['database']);
      expect(watched.pids).toEqual(Object.fromEntries(Object.entries(startPids).map(([name, pid]) => [name, [pid]])));
    }

    await expectExactAfterFaults({ environment: world, ingestGroup: env.INGEST_GROUP_ID, services, startPids, api, expected, catchUpMs: 180_000 });
  }, 480_000);
});
