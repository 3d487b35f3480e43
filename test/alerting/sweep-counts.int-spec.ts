/**
 * The sweep's reads against real PostgreSQL: whole months inside a window come from the month roll-ups,
 * the other days from the day rows, and the sums equal the day rows' sums for every window shape
 * (edges on both sides, no whole month, only whole months). Changing one month row changes exactly the
 * windows that contain that whole month: the roll-ups are really what is read.
 */
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, fillRollUpsFromDays, migrate } from '@dvc/persistence';
import type { DayWindow } from '@dvc/domain';
import { SweepCountsRepository } from '../../services/alerting/src/repositories/sweep-counts.repository';
import { pairMayChange } from '../../services/alerting/src/evaluation/pair-filter';
import type { SweepPairFilter } from '../../services/alerting/src/evaluation/pair-filter';
import { POSTGRES_URL } from '../support/infrastructure';

const DATABASE = 'dvc_test_sweep_counts';
const databaseUrl = `${POSTGRES_URL}/${DATABASE}`;
let dataSource: DataSource;
let repository: SweepCountsRepository;

const WINDOWS: Record<string, DayWindow> = {
  edgesAndMonths: { firstDay: '2025-01-15', lastDay: '2025-04-10' },
  insideOneMonth: { firstDay: '2025-03-01', lastDay: '2025-03-07' },
  acrossTwoMonths: { firstDay: '2025-02-08', lastDay: '2025-03-09' },
  wholeMonths: { firstDay: '2025-02-01', lastDay: '2025-03-31' },
};
const AGENCIES = ['A1', 'A2', 'A3'];
const PROCEDURES = ['P1', 'P2', 'P3', 'P4'];

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${POSTGRES_URL}/postgres` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function query<T = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<T[]> {
  return dataSource.query(sql, parameters);
}

/** What the day rows alone say for a window: per pair and per agency. */
async function daySums(window: DayWindow): Promise<Map<string, number[]>> {
  const rows = await query<{ agency_code: string; procedure_code: string | null; r: string; ro: string; c: string; ct: string }>(
    `SELECT agency_code, procedure_code, sum(received) AS r, sum(received_online) AS ro, sum(completed) AS c, sum(completed_on_time) AS ct
     FROM daily_buckets WHERE day BETWEEN $1::date AND $2::date
     GROUP BY GROUPING SETS ((agency_code, procedure_code), (agency_code))`,
    [window.firstDay, window.lastDay],
  );
  return new Map(rows.map((row) => [`${row.agency_code}/${row.procedure_code ?? '*'}`, [row.r, row.ro, row.c, row.ct].map(Number)]));
}

/** A filter that keeps every pair with a dossier received or completed (every rate is below 1 + margin). */
const EVERY_PAIR: SweepPairFilter = { minimumDossiers: 1, ceilings: { onlineRate: 1, onTimeRate: 1 }, zeroUptakeMinimum: 1 };

async function sweepSums(windows: DayWindow[], filter: SweepPairFilter = EVERY_PAIR): Promise<Array<Map<string, number[]>>> {
  const result = await dataSource.transaction((manager) => repository.loadSweepCounts(manager, windows, filter));
  return result.map(({ pairs, agencyTotals }) => {
    const sums = new Map<string, number[]>();
    for (const pair of pairs) sums.set(`${pair.agencyCode}/${pair.procedureCode}`, [pair.current.received, pair.current.receivedOnline, pair.current.completed, pair.current.completedOnTime]);
    for (const [agency, totals] of agencyTotals) sums.set(`${agency}/*`, [totals.current.received, totals.current.receivedOnline, totals.current.completed, totals.current.completedOnTime]);
    return sums;
  });
}

beforeAll(async () => {
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`));
  await migrate(databaseUrl);
  dataSource = await new DataSource(dataSourceOptions(databaseUrl, 2)).initialize();
  repository = new SweepCountsRepository();
  // Day rows from 2025-01-01 to 2025-04-30 with counts from a fixed hash, some days empty.
  await query(
    `INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online, completed, completed_on_time)
     SELECT d::date, a, p, r, r / 3, r / 2, r / 4
     FROM generate_series('2025-01-01'::date, '2025-04-30'::date, '1 day') AS d,
          unnest($1::text[]) AS a, unnest($2::text[]) AS p,
          LATERAL (SELECT abs(hashtext(a || p || d::text)) % 7 AS r) AS h
     WHERE h.r > 0`,
    [AGENCIES, PROCEDURES],
  );
  await fillRollUpsFromDays(dataSource);
}, 120_000);

afterAll(async () => {
  await dataSource?.destroy();
});

describe('the sweep reads whole months from the roll-ups', () => {
  it('sums every window shape exactly as the day rows do', async () => {
    const windows = Object.values(WINDOWS);
    const fromSweep = await sweepSums(windows);
    for (const [index, window] of windows.entries()) {
      const expected = await daySums(window);
      expect(expected.size).toBe(AGENCIES.length * (PROCEDURES.length + 1));
      expect(fromSweep[index]).toEqual(expected);
    }
  });

  it('returns exactly the pairs that pairMayChange keeps, and every agency total', async () => {
    const windows = Object.values(WINDOWS);
    const filters: SweepPairFilter[] = [
      { minimumDossiers: 20, ceilings: { onlineRate: 0.3, onTimeRate: null }, zeroUptakeMinimum: null },
      { minimumDossiers: 5, ceilings: { onlineRate: null, onTimeRate: 0.24 }, zeroUptakeMinimum: null },
      { minimumDossiers: 30, ceilings: { onlineRate: 0.25, onTimeRate: 0.2 }, zeroUptakeMinimum: 3 },
      { minimumDossiers: 1, ceilings: { onlineRate: null, onTimeRate: null }, zeroUptakeMinimum: null },
    ];
    let kept = 0;
    let dropped = 0;
    for (const filter of filters) {
      const fromSweep = await sweepSums(windows, filter);
      for (const [index, window] of windows.entries()) {
        const expected = new Map(
          [...(await daySums(window))].filter(([key, [received, receivedOnline, completed, completedOnTime]]) =>
            key.endsWith('/*') || pairMayChange({ received, receivedOnline, completed, completedOnTime }, filter),
          ),
        );
        kept += expected.size - AGENCIES.length;
        dropped += AGENCIES.length * (PROCEDURES.length + 1) - expected.size;
        expect(fromSweep[index]).toEqual(expected);
      }
    }
    // The filters above both keep and drop pairs of these rows (or the comparison would prove little).
    expect(kept).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(0);
  });

  it('reads the month rows for whole months and the day rows for the rest', async () => {
    // One month row made to disagree with its days: only the windows containing February whole see it.
    await query(`UPDATE monthly_buckets SET received = received + 1000 WHERE month = '2025-02-01' AND agency_code = 'A2' AND procedure_code = 'P3'`);
    try {
      const windows = Object.values(WINDOWS);
      const fromSweep = await sweepSums(windows);
      const names = Object.keys(WINDOWS);
      for (const [index, window] of windows.entries()) {
        const days = (await daySums(window)).get('A2/P3')![0];
        const seesFebruaryWhole = names[index] === 'edgesAndMonths' || names[index] === 'wholeMonths';
        expect(fromSweep[index].get('A2/P3')![0]).toBe(seesFebruaryWhole ? days + 1000 : days);
      }
    } finally {
      await query(`UPDATE monthly_buckets SET received = received - 1000 WHERE month = '2025-02-01' AND agency_code = 'A2' AND procedure_code = 'P3'`);
    }
  });

  it('gives the previous window of just the explained scopes, and the pairs below a target', async () => {
    const window = WINDOWS.edgesAndMonths;
    const expected = await daySums(window);
    const previous = await dataSource.transaction((manager) =>
      repository.loadPreviousCounts(manager, window, [
        { agencyCode: 'A1', procedureCode: null },
        { agencyCode: 'A3', procedureCode: 'P2' },
        { agencyCode: 'A3', procedureCode: 'P2' },
      ]),
    );
    expect([...previous.keys()].sort()).toEqual(['A1\u0000', 'A3\u0000P2']);
    const asList = (key: string) => {
      const counts = previous.get(key)!;
      return [counts.received, counts.receivedOnline, counts.completed, counts.completedOnTime];
    };
    expect(asList('A1\u0000')).toEqual(expected.get('A1/*'));
    expect(asList('A3\u0000P2')).toEqual(expected.get('A3/P2'));

    // Online rate below 0.34 (r / 3 online rounds down): the day rows decide which pairs are listed.
    const below = await dataSource.transaction((manager) => repository.loadBelowTargetPairs(manager, window, [{ agencyCode: 'A2', metric: 'onlineRate', threshold: 0.34 }]));
    const expectedBelow = PROCEDURES.filter((p) => {
      const [received, online] = expected.get(`A2/${p}`)!;
      return online / received < 0.34;
    });
    expect(expectedBelow.length).toBeGreaterThan(0);
    expect(below.map((row) => row.procedureCode).sort()).toEqual(expectedBelow);
    for (const row of below) {
      const [received, online] = expected.get(`A2/${row.procedureCode}`)!;
      expect([row.successes, row.trials]).toEqual([online, received]);
    }
  });
});
