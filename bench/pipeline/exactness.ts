/**
 * 5. Exactness (bench/run-benchmarks.ts): the counts expected from the NDJSON file against what the
 * aggregator stored in PostgreSQL, per Vietnam month and in the month roll-ups; the scale-out run checks
 * its own topics and groups the same way.
 */
import { Client } from 'pg';
import { MONTHLY_AGENCY_BUCKETS_FROM_DAYS_SQL, MONTHLY_BUCKETS_FROM_DAYS_SQL, MONTHLY_INDICATOR_BUCKETS_FROM_DAYS_SQL } from '@dvc/persistence';
import { COUNTERS, Counts, ExpectedCounts, expectedCountsOf, zeroCounts } from '../support/expected-counts';
import type { Check } from '../support/report';
import { databaseUrl, groups, log, now, runState, topics } from './context';
import { scanTopic, visibleEnds, wholeTopicRanges } from '@dvc/messaging';

/** The expected counts, computed from the file after the pipeline (see the runner), and the checks of the stored ones. */
export async function exactnessStage(file: string, simulatorDossiers: number, events: number) {
  log('computing the expected counts from the file');
  const expectStarted = now();
  const expected = await expectedCountsOf(file);
  log(`expected: ${expected.lines} events, ${expected.dossiers} dossiers, ${expected.total.received} received (${((now() - expectStarted) / 1000).toFixed(1)} s)`);
  const { checks, storedTotals } = await checkResults(expected, simulatorDossiers, events);
  return { expected, checks, storedTotals };
}

export interface CheckedRun {
  canonicalTopic: string;
  deadLetterTopic: string;
  aggregatorGroup: string;
}

/** The records a read_committed reader finds on `topic` (its end offsets count ingest's transaction markers too). */
async function recordCount(topic: string): Promise<number> {
  let count = 0;
  await scanTopic(runState.kafka, topic, await wholeTopicRanges(runState.kafka, topic), () => void (count += 1), { timeoutMs: 600_000, clientGroupPrefix: 'bench-count' });
  return count;
}

export async function checkResults(
  expected: ExpectedCounts,
  simulatorDossiers: number,
  events: number,
  run: CheckedRun = { canonicalTopic: topics.canonicalEvents, deadLetterTopic: topics.deadLetter, aggregatorGroup: groups.aggregator },
) {
  const checks: Check[] = [];
  const check = (what: string, wanted: number | string, actual: number | string) => checks.push({ what, expected: wanted, actual, ok: wanted === actual });
  const database = new Client({ connectionString: databaseUrl, application_name: 'dvc-bench-probe' });
  await database.connect();
  try {
    check('events in the file (lines) = events the simulator generated', events, expected.lines);
    check('events in the file that are not dossier events', 0, expected.unparsable);
    // Exactly once, the rebalance run too: ingest's transactions commit each batch's records with its offsets.
    check('canonical messages (ingest accepted every event, once)', events, await recordCount(run.canonicalTopic));
    check('dead-lettered messages', 0, await recordCount(run.deadLetterTopic));
    const { rows: offsetRows } = await database.query<{ applied: string }>(
      'SELECT coalesce(sum(next_offset), 0) AS applied FROM consumer_offsets WHERE consumer_group = $1 AND topic = $2',
      [run.aggregatorGroup, run.canonicalTopic],
    );
    const canonicalEnds = [...(await visibleEnds(runState.kafka, run.canonicalTopic)).values()].reduce((sum, end) => sum + Number(end), 0);
    check('offsets stored by the aggregator (sum of next_offset) = one past the last canonical record, per partition', canonicalEnds, Number(offsetRows[0].applied));
    const { rows: stateRows } = await database.query<{ n: string }>('SELECT count(*) AS n FROM dossier_states');
    check('dossiers with a state (distinct subjects in the file)', expected.dossiers, Number(stateRows[0].n));
    check('received, total = dossiers the simulator generated', simulatorDossiers, expected.dossiersReceived);

    const { rows } = await database.query<Record<string, string>>(`
      SELECT to_char(day, 'YYYY-MM') AS month, sum(received) AS received, sum(received_online) AS "receivedOnline",
             sum(completed) AS completed, sum(completed_on_time) AS "completedOnTime", sum(paid) AS paid,
             sum(paid_online) AS "paidOnline", sum(withdrawn) AS withdrawn
      FROM daily_buckets GROUP BY 1 ORDER BY 1`);
    const storedByMonth = new Map(rows.map((row) => [row.month, Object.fromEntries(COUNTERS.map((name) => [name, Number(row[name])])) as Counts]));
    const storedTotals = zeroCounts();
    for (const counts of storedByMonth.values()) for (const name of COUNTERS) storedTotals[name] += counts[name];
    for (const name of COUNTERS) check(`daily_buckets total ${name}`, expected.total[name], storedTotals[name]);
    const months = [...new Set([...expected.byMonth.keys(), ...storedByMonth.keys()])].sort();
    let monthMismatches = 0;
    for (const month of months) {
      for (const name of COUNTERS) {
        const wanted = expected.byMonth.get(month)?.[name] ?? 0;
        const actual = storedByMonth.get(month)?.[name] ?? 0;
        if (wanted !== actual) {
          monthMismatches += 1;
          check(`daily_buckets ${month} ${name}`, wanted, actual);
        }
      }
    }
    checks.push({
      what: `per Vietnam month (${months.length} months × ${COUNTERS.length} counters)`,
      expected: 'equal',
      actual: monthMismatches === 0 ? 'equal' : `${monthMismatches} differ`,
      ok: monthMismatches === 0,
    });
    // The month roll-ups, kept in the same transactions, against the sums of their day rows (both ways).
    for (const [table, fromDays, columns] of [
      ['monthly_buckets', MONTHLY_BUCKETS_FROM_DAYS_SQL, 'received, received_online, completed, completed_on_time, paid, paid_online, withdrawn'],
      ['monthly_agency_buckets', MONTHLY_AGENCY_BUCKETS_FROM_DAYS_SQL, 'received, received_online, completed, completed_on_time, paid, paid_online, withdrawn'],
      ['monthly_indicator_buckets', MONTHLY_INDICATOR_BUCKETS_FROM_DAYS_SQL, 'received_with_payment, received_paid_online, resolved, resolution_seconds'],
    ] as const) {
      const keys = table === 'monthly_agency_buckets' ? 'month, agency_code' : 'month, agency_code, procedure_code';
      const stored = `SELECT ${keys}, ${columns} FROM ${table} WHERE ${columns.split(', ').map((column) => `${column} <> 0`).join(' OR ')}`;
      const { rows: differing } = await database.query<{ n: string; total: string }>(
        `SELECT (SELECT count(*) FROM ((${stored} EXCEPT ${fromDays}) UNION ALL (${fromDays} EXCEPT ${stored})) d) AS n, (SELECT count(*) FROM ${table}) AS total`,
      );
      checks.push({
        what: `${table} rows = sums of their day rows (${Number(differing[0].total).toLocaleString('en-US')} rows)`,
        expected: 'equal',
        actual: Number(differing[0].n) === 0 ? 'equal' : `${differing[0].n} differ`,
        ok: Number(differing[0].n) === 0,
      });
    }
    return { checks, storedTotals };
  } finally {
    await database.end();
  }
}
