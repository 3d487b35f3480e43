/**
 * The indicator ledger recomputed from `dossier_states` alone, in SQL: what the aggregator maintains
 * incrementally in `indicator_buckets` and `dossier_spans` (libs/domain/src/indicator-ledger.ts). The
 * migration that creates the tables fills them with it, and the pipeline test compares the tables with it.
 *
 * Instants are canonical (`YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`): the Vietnam day needs their minutes (UTC+07:00,
 * fixed, as vietnamDay), the resolution time their milliseconds, floored to whole seconds and never negative.
 */
const vietnamDay = (instant: string) => `(left(${instant}, 16)::timestamp + interval '7 hours')::date`;
const epochMillis = (instant: string) => `(extract(epoch FROM left(${instant}, 23)::timestamp) * 1000)`;

export const INDICATOR_BUCKETS_FROM_STATES_SQL = `
SELECT day, agency_code, procedure_code,
       SUM(received_with_payment)::int AS received_with_payment,
       SUM(received_paid_online)::int AS received_paid_online,
       SUM(resolved)::int AS resolved,
       SUM(resolution_seconds)::bigint AS resolution_seconds
FROM (
  SELECT ${vietnamDay("state->'received'->>'receivedAt'")} AS day,
         state->'received'->>'agencyCode' AS agency_code,
         state->'received'->>'procedureCode' AS procedure_code,
         (state->'firstPayment' <> 'null'::jsonb)::int AS received_with_payment,
         (state->'firstPayment' <> 'null'::jsonb AND (state->>'paidOnline')::boolean)::int AS received_paid_online,
         0 AS resolved, 0::bigint AS resolution_seconds
  FROM dossier_states WHERE state->'received' <> 'null'::jsonb
  UNION ALL
  SELECT ${vietnamDay("state->'completed'->>'completedAt'")},
         state->'completed'->>'agencyCode',
         state->'completed'->>'procedureCode',
         0, 0, 1,
         GREATEST(0, floor((${epochMillis("state->'completed'->>'completedAt'")} - ${epochMillis("state->'received'->>'receivedAt'")}) / 1000))::bigint
  FROM dossier_states WHERE state->'received' <> 'null'::jsonb AND state->'completed' <> 'null'::jsonb
) contributions
GROUP BY day, agency_code, procedure_code
HAVING SUM(received_with_payment) <> 0 OR SUM(resolved) <> 0`;

export const DOSSIER_SPANS_FROM_STATES_SQL = `
SELECT agency_code, procedure_code, received_day, due_day, closed_day, COUNT(*)::int AS dossiers
FROM (
  SELECT state->'received'->>'agencyCode' AS agency_code,
         state->'received'->>'procedureCode' AS procedure_code,
         ${vietnamDay("state->'received'->>'receivedAt'")} AS received_day,
         COALESCE(${vietnamDay("state->'received'->>'dueAt'")}, DATE '9999-12-31') AS due_day,
         COALESCE(LEAST(${vietnamDay("state->'completed'->>'completedAt'")}, ${vietnamDay("state->'withdrawn'->>'withdrawnAt'")}), DATE '9999-12-31') AS closed_day
  FROM dossier_states WHERE state->'received' <> 'null'::jsonb
) spans
GROUP BY agency_code, procedure_code, received_day, due_day, closed_day`;
