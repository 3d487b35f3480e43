/**
 * `alert_sweep_pending` between the aggregator and the alert sweep, on real PostgreSQL with concurrent
 * transactions (migration AlertSweepPending1765700000000): the aggregator's write
 * (AggregationRepository.markForAlertSweep) never waits for a sweep, a sweep that takes a row sees the
 * counts committed with it, and an agency already pending is not written again.
 */
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, migrate } from '@dvc/persistence';
import { AggregationRepository } from '../../services/aggregator/src/repositories/aggregation.repository';
import { AlertsRepository } from '../../services/alerting/src/repositories/alerts.repository';
import { POSTGRES_URL } from '../support/infrastructure';

const DATABASE = 'dvc_test_sweep_pending';
const databaseUrl = `${POSTGRES_URL}/${DATABASE}`;
let dataSource: DataSource;
let aggregator: AggregationRepository;
let alerts: AlertsRepository;

const pendingRows = async () => (await dataSource.query(`SELECT agency_code FROM alert_sweep_pending ORDER BY id`)).map((row: { agency_code: string }) => row.agency_code);
/** Settles within `ms` or says it is still waiting. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> =>
  Promise.race([promise, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms))]);

beforeAll(async () => {
  const admin = new Client({ connectionString: `${POSTGRES_URL}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.end();
  await migrate(databaseUrl);
  dataSource = await new DataSource(dataSourceOptions(databaseUrl, 4)).initialize();
  aggregator = new AggregationRepository(dataSource);
  alerts = new AlertsRepository(dataSource);
}, 60_000);

afterAll(async () => {
  await dataSource?.destroy();
});

beforeEach(async () => {
  await dataSource.query('DELETE FROM alert_sweep_pending');
});

describe('alert_sweep_pending', () => {
  it('names each changed agency once, however many batches change it before a sweep', async () => {
    for (let batch = 0; batch < 3; batch += 1) {
      await dataSource.transaction((manager) => aggregator.markForAlertSweep(manager, [{ agencyCode: 'B' }, { agencyCode: 'A' }, { agencyCode: 'A' }]));
    }
    expect(await pendingRows()).toEqual(['A', 'B']);
    expect(await dataSource.transaction((manager) => alerts.claimPendingAgencies(manager))).toEqual(['A', 'B']);
    expect(await pendingRows()).toEqual([]);
  });

  it('a batch committing while a sweep is taking the rows does not wait, and is left for the next sweep', async () => {
    await dataSource.transaction((manager) => aggregator.markForAlertSweep(manager, [{ agencyCode: 'A' }]));
    const sweep = dataSource.createQueryRunner();
    await sweep.connect();
    try {
      await sweep.startTransaction('READ COMMITTED');
      expect(await alerts.claimPendingAgencies(sweep.manager)).toEqual(['A']);
      // The sweep has deleted A's row but not committed: the batch must neither wait nor count on that row.
      const batch = dataSource.transaction((manager) => aggregator.markForAlertSweep(manager, [{ agencyCode: 'A' }]));
      expect(await within(batch, 5_000)).toBeUndefined();
      await sweep.commitTransaction();
    } finally {
      await sweep.release();
    }
    expect(await pendingRows()).toEqual(['A']);
  });

  it('a sweep taking a row an uncommitted batch relies on waits for that batch, then sees its counts', async () => {
    await dataSource.transaction((manager) => aggregator.markForAlertSweep(manager, [{ agencyCode: 'A' }]));
    const batch = dataSource.createQueryRunner();
    await batch.connect();
    try {
      await batch.startTransaction('READ COMMITTED');
      // The batch finds A pending (and skips writing it again), then changes A's counts.
      await aggregator.markForAlertSweep(batch.manager, [{ agencyCode: 'A' }]);
      await batch.manager.query(`INSERT INTO daily_buckets (day, agency_code, procedure_code, received) VALUES ('2026-01-05', 'A', 'P', 7)`);
      const sweep = dataSource.transaction(async (manager) => {
        const claimed = await alerts.claimPendingAgencies(manager);
        const [counts] = await manager.query(`SELECT coalesce(sum(received), 0)::int AS received FROM daily_buckets WHERE agency_code = 'A'`);
        return { claimed, received: counts.received as number };
      });
      expect(await within(sweep, 1_000)).toBe('still waiting');
      await batch.commitTransaction();
      expect(await sweep).toEqual({ claimed: ['A'], received: 7 });
    } finally {
      await batch.release();
    }
    expect(await pendingRows()).toEqual([]);
  });
});
