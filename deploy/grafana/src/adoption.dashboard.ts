import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { dedup, finish, legend, ONLINE_RATE_THRESHOLDS, POSTGRES, PROMETHEUS, promQuery, SqlQueryBuilder, thresholds } from './common';

export const ADOPTION_UID = 'dvc-adoption';

const received = (filter = '') => dedup(`dvc_adoption_dossiers_received${filter}`);
const completed = (filter = '') => dedup(`dvc_adoption_dossiers_completed${filter}`);

/** Online share by the given labels: numerators and denominators summed separately, divided once. */
function onlineRate(by: string): string {
  return `sum by (${by}) (${received('{channel="online"}')})\n  / (sum by (${by}) (${received()}) > 0)`;
}

/*
 * PostgreSQL fragments. Daily buckets are Vietnam days, so the dashboard's time range is turned into
 * Vietnam dates. $agency selects agencies WITH their subtrees (choosing the province's root agency
 * selects the whole province); $procedure restricts to procedures; both are multi-value (quoted lists).
 */
const SCOPE = `
  scope (code) AS (
    SELECT code FROM agencies WHERE code IN ($agency)
    UNION
    SELECT child.code FROM agencies child JOIN scope ON child.parent_code = scope.code
  )`;
const DAYS_IN_RANGE = `b.day BETWEEN ($__timeFrom()::timestamptz AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
                    AND ($__timeTo()::timestamptz AT TIME ZONE 'Asia/Ho_Chi_Minh')::date`;
const BUCKET_FILTER = `${DAYS_IN_RANGE}
    AND b.agency_code IN (SELECT code FROM scope)
    AND b.procedure_code IN ($procedure)`;

const DAILY_RATE_SQL = `
  WITH RECURSIVE${SCOPE}
  SELECT
    b.day::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh' AS time,
    SUM(b.received_online)::float8 / NULLIF(SUM(b.received), 0) AS "Tỷ lệ trực tuyến",
    SUM(b.completed_on_time)::float8 / NULLIF(SUM(b.completed), 0) AS "Tỷ lệ đúng hạn"
  FROM daily_buckets b
  WHERE ${BUCKET_FILTER}
  GROUP BY b.day
  ORDER BY b.day`;

const WORST_AGENCIES_SQL = `
  WITH RECURSIVE${SCOPE},
  totals AS (
    SELECT b.agency_code,
      SUM(b.received)::bigint AS received, SUM(b.received_online)::bigint AS received_online,
      SUM(b.completed)::bigint AS completed, SUM(b.completed_on_time)::bigint AS completed_on_time
    FROM daily_buckets b
    WHERE ${BUCKET_FILTER}
    GROUP BY b.agency_code
    HAVING SUM(b.received) >= GREATEST($min_received, 1)
  )
  SELECT
    t.agency_code AS "Mã cơ quan", a.name AS "Cơ quan", a.level AS "Cấp",
    t.received AS "Tiếp nhận", t.received_online AS "Trực tuyến",
    t.received_online::float8 / t.received AS "Tỷ lệ trực tuyến",
    t.completed_on_time::float8 / NULLIF(t.completed, 0) AS "Tỷ lệ đúng hạn"
  FROM totals t
  LEFT JOIN agencies a ON a.code = t.agency_code
  ORDER BY t.received_online::float8 / t.received, t.received DESC, t.agency_code
  LIMIT 20`;

const WORST_PROCEDURES_SQL = `
  WITH RECURSIVE${SCOPE},
  totals AS (
    SELECT b.procedure_code,
      SUM(b.received)::bigint AS received, SUM(b.received_online)::bigint AS received_online,
      COUNT(DISTINCT b.agency_code) AS agencies
    FROM daily_buckets b
    JOIN procedures p ON p.code = b.procedure_code AND p.online_level IN ('full', 'partial')
    WHERE ${BUCKET_FILTER}
    GROUP BY b.procedure_code
    HAVING SUM(b.received) >= GREATEST($min_received, 1)
  )
  SELECT
    t.procedure_code AS "Mã thủ tục", p.name AS "Thủ tục", p.sector AS "Lĩnh vực",
    p.online_level AS "Mức trực tuyến", t.agencies AS "Số cơ quan",
    t.received AS "Tiếp nhận", t.received_online AS "Trực tuyến",
    t.received_online::float8 / t.received AS "Tỷ lệ trực tuyến"
  FROM totals t
  JOIN procedures p ON p.code = t.procedure_code
  ORDER BY t.received_online::float8 / t.received, t.received DESC, t.procedure_code
  LIMIT 20`;

const OPEN_ALERTS_SQL = `
  WITH RECURSIVE${SCOPE}
  SELECT
    a.opened_at AS "Mở lúc", a.severity AS "Mức", a.status AS "Trạng thái", a.kind AS "Loại",
    COALESCE(ag.name, a.agency_code, a.source_uri) AS "Cơ quan / nguồn",
    COALESCE(p.name, a.procedure_code) AS "Thủ tục",
    a.metric AS "Chỉ số", a.threshold AS "Ngưỡng", a.window_kind AS "Cửa sổ"
  FROM alerts a
  LEFT JOIN agencies ag ON ag.code = a.agency_code
  LEFT JOIN procedures p ON p.code = a.procedure_code
  WHERE a.status <> 'resolved'
    AND (a.agency_code IS NULL OR a.agency_code IN (SELECT code FROM scope))
    AND (a.procedure_code IS NULL OR a.procedure_code IN ($procedure))
  ORDER BY a.severity = 'critical' DESC, a.opened_at
  LIMIT 200`;

// The logic of GET /v1/zero-uptake (services/api/src/repositories/zero-uptake.repository.ts) with
// period=month, from/to = the dashboard's range, agency = $agency with subtree, minReceived = $min_received.
const ZERO_UPTAKE_SQL = `
  WITH RECURSIVE${SCOPE},
  totals AS (
    SELECT
      date_trunc('month', b.day::timestamp)::date AS period_start,
      b.agency_code COLLATE "C" AS agency_code,
      b.procedure_code COLLATE "C" AS procedure_code,
      SUM(b.received)::bigint AS received,
      SUM(b.completed)::bigint AS completed,
      SUM(b.withdrawn)::bigint AS withdrawn
    FROM daily_buckets b
    JOIN procedures p ON p.code = b.procedure_code AND p.online_level IN ('full', 'partial')
    WHERE ${BUCKET_FILTER}
    GROUP BY 1, 2, 3
    HAVING SUM(b.received) >= GREATEST($min_received, 1) AND SUM(b.received_online) = 0
  )
  SELECT
    to_char(t.period_start, 'YYYY-MM') AS "Tháng",
    t.agency_code AS "Mã cơ quan", ag.name AS "Cơ quan",
    t.procedure_code AS "Mã thủ tục", p.name AS "Thủ tục", p.sector AS "Lĩnh vực",
    p.online_level AS "Mức trực tuyến",
    t.received AS "Tiếp nhận", t.completed AS "Đã giải quyết", t.withdrawn AS "Rút hồ sơ"
  FROM totals t
  JOIN procedures p ON p.code = t.procedure_code
  LEFT JOIN agencies ag ON ag.code = t.agency_code
  ORDER BY t.period_start DESC, t.received DESC, t.agency_code, t.procedure_code
  LIMIT 200`;

const AGENCY_VARIABLE_SQL = `SELECT code AS __value, name || ' — ' || code AS __text FROM agencies ORDER BY name, code`;
const PROCEDURE_VARIABLE_SQL = `SELECT code AS __value, name || ' — ' || code AS __text FROM procedures ORDER BY name, code`;

const ALL: dashboard.VariableOption = { selected: true, text: ['All'], value: ['$__all'] };

function percentTable(title: string, description: string, rawSql: string): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(POSTGRES)
    .withTarget(new SqlQueryBuilder('A', rawSql))
    .overrideByRegexp('^Tỷ lệ', [
      { id: 'unit', value: 'percentunit' },
      { id: 'decimals', value: 1 },
      { id: 'thresholds', value: thresholds(ONLINE_RATE_THRESHOLDS).build() },
      { id: 'custom.cellOptions', value: { type: 'color-text' } },
    ])
    .height(10)
    .span(12);
}

export function adoptionDashboard(): Record<string, unknown> {
  const builder = new dashboard.DashboardBuilder('Mức độ sử dụng dịch vụ công trực tuyến')
    .uid(ADOPTION_UID)
    .description(
      'Adoption of online public services: the share of dossiers submitted online against the targets, by agency level, the agencies and procedures that hold it down, open alerts and online services nobody uses online.',
    )
    .tags(['dvc-monitor', 'adoption'])
    .timezone('Asia/Ho_Chi_Minh')
    .time({ from: 'now-30d', to: 'now' })
    .refresh('1m')
    .editable()
    .withVariable(
      new dashboard.QueryVariableBuilder('agency')
        .label('Cơ quan')
        .description('Agency, with every agency under it (choose the province root for the whole province)')
        .datasource(POSTGRES)
        .query(AGENCY_VARIABLE_SQL)
        .definition(AGENCY_VARIABLE_SQL)
        .refresh(dashboard.VariableRefresh.OnDashboardLoad)
        .multi(true)
        .includeAll(true)
        .current(ALL),
    )
    .withVariable(
      new dashboard.QueryVariableBuilder('procedure')
        .label('Thủ tục')
        .description('Administrative procedure')
        .datasource(POSTGRES)
        .query(PROCEDURE_VARIABLE_SQL)
        .definition(PROCEDURE_VARIABLE_SQL)
        .refresh(dashboard.VariableRefresh.OnDashboardLoad)
        .multi(true)
        .includeAll(true)
        .current(ALL),
    )
    .withVariable(
      new dashboard.CustomVariableBuilder('min_received')
        .label('Tối thiểu hồ sơ')
        .description('Least dossiers received for an agency, procedure or pair to be listed (like minReceived of GET /v1/zero-uptake)')
        .values('1,10,50,100')
        .current({ selected: true, text: '10', value: '10' }),
    )

    .withRow(new dashboard.RowBuilder('Toàn tỉnh, tháng hiện tại (Province, month to date — Prometheus)'))
    .withPanel(
      new stat.PanelBuilder()
        .title('Tỷ lệ hồ sơ trực tuyến tháng này')
        .description('Online share of the dossiers received this month (Vietnam time), per province. Red under the 10% floor, orange under the 50% that earns full points.')
        .datasource(PROMETHEUS)
        .withTarget(promQuery('A', onlineRate('province'), '{{province}}', true))
        .unit('percentunit')
        .decimals(1)
        .thresholds(thresholds(ONLINE_RATE_THRESHOLDS))
        .colorMode(common.BigValueColorMode.Background)
        .graphMode(common.BigValueGraphMode.None)
        .height(6)
        .span(6),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Tỷ lệ giải quyết đúng hạn tháng này')
        .description('On-time share of the dossiers completed this month, per province.')
        .datasource(PROMETHEUS)
        .withTarget(
          promQuery(
            'A',
            `sum by (province) (${completed('{timeliness="on_time"}')})\n  / (sum by (province) (${completed()}) > 0)`,
            '{{province}}',
            true,
          ),
        )
        .unit('percentunit')
        .decimals(1)
        .thresholds(thresholds([[null, 'red'], [0.8, 'orange'], [0.95, 'green']]))
        .graphMode(common.BigValueGraphMode.None)
        .height(6)
        .span(6),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Hồ sơ tiếp nhận tháng này')
        .description('Dossiers received this month, online and offline (all provinces).')
        .datasource(PROMETHEUS)
        .withTarget(promQuery('A', `sum by (channel) (${received()})`, '{{channel}}', true))
        .unit('short')
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(common.BigValueColorMode.None)
        .height(6)
        .span(4),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Cặp cơ quan × thủ tục dưới chỉ tiêu')
        .description('Agency × procedure pairs with an open below-target alert, by severity; the table "Cảnh báo đang mở" lists them.')
        .datasource(PROMETHEUS)
        .withTarget(promQuery('A', `sum by (severity) (${dedup('dvc_adoption_pairs_below_target')})`, '{{severity}}', true))
        .thresholds(thresholds([[null, 'green'], [1, 'orange']]))
        .graphMode(common.BigValueGraphMode.None)
        .height(6)
        .span(4),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Dịch vụ không có hồ sơ trực tuyến')
        .description('Agency × procedure pairs offered online with an open zero-uptake alert: dossiers received, none of them online.')
        .datasource(PROMETHEUS)
        .withTarget(promQuery('A', `sum(${dedup('dvc_adoption_zero_uptake_pairs')})`, 'pairs', true))
        .thresholds(thresholds([[null, 'green'], [1, 'orange']]))
        .graphMode(common.BigValueGraphMode.None)
        .height(6)
        .span(4),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Tỷ lệ trực tuyến so với chỉ tiêu')
        .description('Month-to-date online share per province over time (it restarts each month), with the province-wide targets (scope "all") as dashed lines: critical (the floor) and warning (full points).')
        .datasource(PROMETHEUS)
        .withTarget(promQuery('A', onlineRate('province'), '{{province}}'))
        .withTarget(promQuery('B', `max by (severity) (dvc_adoption_target_ratio{metric="onlineRate"})`, 'chỉ tiêu {{severity}}'))
        .overrideByQuery('B', [
          { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
          { id: 'custom.fillOpacity', value: 0 },
        ])
        .unit('percentunit')
        .min(0)
        .max(1)
        .legend(legend())
        .height(9)
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Tỷ lệ trực tuyến theo cấp cơ quan')
        .description('Month-to-date online share per agency level (province, department, district, commune, …): where in the hierarchy the share is lost.')
        .datasource(PROMETHEUS)
        .withTarget(promQuery('A', onlineRate('province, agency_level'), '{{province}} · {{agency_level}}'))
        .unit('percentunit')
        .min(0)
        .max(1)
        .legend(legend())
        .height(9)
        .span(12),
    )

    .withRow(new dashboard.RowBuilder('Chi tiết theo cơ quan và thủ tục (Details — PostgreSQL, selected range)'))
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Tỷ lệ trực tuyến theo ngày')
        .description('Daily online and on-time shares of the selected agencies (with their subtrees) and procedures, from the daily buckets: the same numbers as GET /v1/rates?period=day.')
        .datasource(POSTGRES)
        .withTarget(new SqlQueryBuilder('A', DAILY_RATE_SQL, 'time_series'))
        .unit('percentunit')
        .min(0)
        .max(1)
        .thresholds(thresholds(ONLINE_RATE_THRESHOLDS))
        .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed))
        .legend(legend())
        .height(8)
        .span(24),
    )
    .withPanel(
      percentTable(
        'Cơ quan có tỷ lệ trực tuyến thấp nhất',
        'The 20 agencies (own dossiers, not their subtrees) with the lowest online share over the range, among those with at least $min_received dossiers. Start here: ask these agencies why their dossiers are taken over the counter.',
        WORST_AGENCIES_SQL,
      ),
    )
    .withPanel(
      percentTable(
        'Thủ tục có tỷ lệ trực tuyến thấp nhất',
        'The 20 procedures offered online (full or partial) with the lowest online share over the range, with the number of agencies that received them.',
        WORST_PROCEDURES_SQL,
      ),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Cảnh báo đang mở')
        .description('Open (firing or acknowledged) alerts now, critical first, oldest first: below-target, zero-uptake and silent-source alerts. Acknowledge or resolve them through /v1/alerts.')
        .datasource(POSTGRES)
        .withTarget(new SqlQueryBuilder('A', OPEN_ALERTS_SQL))
        .overrideByName('Mức', [
          {
            id: 'mappings',
            value: [{ type: 'value', options: { critical: { color: 'red', index: 0 }, warning: { color: 'orange', index: 1 } } }],
          },
          { id: 'custom.cellOptions', value: { type: 'color-text' } },
        ])
        .overrideByName('Ngưỡng', [{ id: 'unit', value: 'percentunit' }])
        .height(10)
        .span(12),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Dịch vụ công trực tuyến không có hồ sơ trực tuyến')
        .description('Zero uptake: per month, agency × procedure pairs offered online (full or partial) that received at least $min_received dossiers and not one of them online — the list of GET /v1/zero-uptake?period=month. Check that the procedure is really reachable on the portal.')
        .datasource(POSTGRES)
        .withTarget(new SqlQueryBuilder('A', ZERO_UPTAKE_SQL))
        .height(10)
        .span(12),
    );
  return finish(builder.build());
}
