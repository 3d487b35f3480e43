import { groundTruth } from '../support/ground-truth';
import { produceDeliveries } from '../support/kafka-io';
import { expectUpkeepExact } from '../support/fault-checks';
import { pipelineCaughtUp, storedMonthlyCounts, withoutEmptyBuckets } from '../support/progress';
import { generateScenario, seededRandom } from '../support/scenario';
import { eventually, ServiceProcess, sleep, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';

const sorted = <T>(map: Map<string, T>) => Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : 1)));

describe('exact counts through crashes', () => {
  const environment = new TestEnvironment('crash');
  const random = seededRandom(7);
  const deliveries = generateScenario({ dossiers: 30_000, seed: 4242, invalidShare: 0.01 });
  const expected = withoutEmptyBuckets(groundTruth(deliveries.filter((delivery) => delivery.event).map((delivery) => delivery.event!)));
  const env = environment.serviceEnvironment({ AGGREGATOR_MAX_BYTES_PER_PARTITION: String(256 * 1024) });
  let ingest: ServiceProcess;
  let aggregator: ServiceProcess;

  beforeAll(async () => {
    await environment.prepare();
  });

  afterAll(async () => {
    await stopAllServices();
    await environment.cleanUp();
  });

  // Its own timeout: 30,000 dossiers, seven process start-ups and a catch-up take minutes on 2 cores.
  it('SIGKILLs of the aggregator and ingest mid-stream lose and double-count nothing', async () => {
    await produceDeliveries(environment.topics.dossierEvents, deliveries);
    ingest = await new ServiceProcess('ingest', env).start();
    aggregator = await new ServiceProcess('aggregator', env).start();

    const appliedAtKills: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      await sleep(700 + random() * 1_500);
      const [row] = await environment.query<{ applied: string }>(`SELECT coalesce(sum(next_offset), 0) AS applied FROM consumer_offsets`);
      appliedAtKills.push(Number(row.applied));
      await aggregator.kill();
      if (round === 1) {
        // A killed ingest's open transaction is aborted (never read) and its batch redone by the restarted one.
        await ingest.kill();
        ingest = await new ServiceProcess('ingest', env).start();
      }
      aggregator = await new ServiceProcess('aggregator', env).start();
    }

    await eventually(async () => ((await pipelineCaughtUp(environment, env.INGEST_GROUP_ID)) ? true : undefined), 420_000, 'the pipeline to catch up');
    // The kills must have landed mid-stream for the test to mean anything.
    const validDeliveries = deliveries.filter((delivery) => delivery.event).length;
    expect(appliedAtKills.some((applied) => applied > 0 && applied < validDeliveries)).toBe(true);
    expect(sorted(await storedMonthlyCounts(environment))).toEqual(sorted(expected));
    // The indicator ledger, kept in the same transactions, equals its recomputation from the final dossier states;
    // so do the month roll-ups with the sums of their day rows.
    await expectUpkeepExact(environment, { ledgerRows: 1_000, rollUpRows: 100 });
  }, 600_000);
});
