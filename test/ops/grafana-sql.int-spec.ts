import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate } from '@dvc/persistence';
import { POSTGRES_URL, REPO_ROOT } from '../support/infrastructure';

/*
 * Every SQL query of the committed Grafana dashboards (panels and template variables) runs against a
 * freshly migrated database AS the read-only role dvc_grafana that the migrations create, with
 * Grafana's macros and the dashboards' variables replaced by concrete values. The role may read what
 * the dashboards need and nothing it may change or that holds secrets.
 */

const DATABASE = 'dvc_test_grafana_sql';
const DASHBOARDS = join(REPO_ROOT, 'deploy', 'grafana', 'dashboards');
const POSTGRES_UID = 'dvc-postgres';

// The dashboards' range in these tests: March 2025 in Vietnam (UTC+7).
const TIME_FROM = '2025-02-28T17:00:00Z';
const TIME_TO = '2025-03-31T16:59:59Z';

interface SqlQuery {
  dashboard: string;
  title: string;
  rawSql: string;
}

interface Panel {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: Array<{ rawSql?: string; datasource?: { uid?: string } }>;
  panels?: Panel[];
}

interface Dashboard {
  title: string;
  panels?: Panel[];
  templating?: { list?: Array<{ name: string; type: string; query?: unknown; datasource?: { uid?: string } }> };
}

function committedDashboards(): Dashboard[] {
  return readdirSync(DASHBOARDS)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as Dashboard);
}

function panelQueries(): SqlQuery[] {
  const queries: SqlQuery[] = [];
  for (const dashboard of committedDashboards()) {
    const panels = (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        const uid = target.datasource?.uid ?? panel.datasource?.uid;
        if (uid !== POSTGRES_UID) continue;
        if (!target.rawSql) throw new Error(`${dashboard.title} / ${panel.title}: a PostgreSQL target without rawSql`);
        queries.push({ dashboard: dashboard.title, title: panel.title, rawSql: target.rawSql });
      }
    }
  }
  return queries;
}

function variableQueries(): Array<SqlQuery & { name: string }> {
  return committedDashboards().flatMap((dashboard) =>
    (dashboard.templating?.list ?? [])
      .filter((variable) => variable.type === 'query' && variable.datasource?.uid === POSTGRES_UID)
      .map((variable) => ({ dashboard: dashboard.title, title: `$${variable.name}`, name: variable.name, rawSql: String(variable.query) })),
  );
}

const quoteLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Grafana's interpolation, done explicitly: the SQL data source's macros and the dashboards'
 * variables. Multi-value variables become a comma-separated list of quoted literals, as Grafana
 * renders them. Anything else that looks like a macro or a variable fails the test.
 */
function substitute(rawSql: string, variables: Record<string, string[] | string>): string {
  const macros: Record<string, (argument: string) => string> = {
    __timeFrom: () => quoteLiteral(TIME_FROM),
    __timeTo: () => quoteLiteral(TIME_TO),
    __timeFilter: (column) => `${column} BETWEEN ${quoteLiteral(TIME_FROM)} AND ${quoteLiteral(TIME_TO)}`,
    __unixEpochFrom: () => String(Date.parse(TIME_FROM) / 1000),
    __unixEpochTo: () => String(Date.parse(TIME_TO) / 1000),
  };
  let sql = rawSql.replace(/\$(__\w+)\(([^()]*)\)/g, (whole, name: string, argument: string) => {
    const macro = macros[name];
    if (!macro) throw new Error(`unknown Grafana macro ${whole}`);
    return macro(argument.trim());
  });
  sql = sql.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
    const value = variables[name];
    if (value === undefined) throw new Error(`unknown variable or macro ${whole}`);
    return Array.isArray(value) ? value.map(quoteLiteral).join(', ') : value;
  });
  if (sql.includes('$')) throw new Error(`unsubstituted $ left in:\n${sql}`);
  return sql;
}

function roleUrl(role: string): string {
  const url = new URL(`${POSTGRES_URL}/${DATABASE}`);
  url.username = role;
  url.password = '';
  return url.toString();
}

async function withClient<T>(connectionString: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function seed(client: Client): Promise<void> {
  await client.query(`
    INSERT INTO agencies (code, name, level, parent_code, info_time, info_event_id) VALUES
      ('000.00.00.H31', 'UBND tỉnh Hưng Yên', 'province', NULL, '2025-03-01T00:00:00Z', 'e1'),
      ('000.00.17.H31', 'UBND huyện Văn Lâm', 'district', '000.00.00.H31', '2025-03-01T00:00:00Z', 'e2'),
      ('000.17.31.H31', 'UBND xã Lạc Đạo', 'commune', '000.00.17.H31', '2025-03-01T00:00:00Z', 'e3')`);
  await client.query(`
    INSERT INTO procedures (code, name, sector, online_level, info_time, info_event_id) VALUES
      ('1.001612', 'Đăng ký khai sinh', 'Hộ tịch', 'full', '2025-03-01T00:00:00Z', 'e1'),
      ('1.004227', 'Đăng ký kết hôn', 'Hộ tịch', 'partial', '2025-03-01T00:00:00Z', 'e2'),
      ('2.000908', 'Chứng thực bản sao', 'Chứng thực', 'none', '2025-03-01T00:00:00Z', 'e3')`);
  await client.query(`
    INSERT INTO daily_buckets (day, agency_code, procedure_code, received, received_online, completed, completed_on_time, withdrawn) VALUES
      ('2025-03-04', '000.00.17.H31', '1.001612', 20, 0, 18, 17, 1),
      ('2025-03-05', '000.00.17.H31', '1.004227', 15, 5, 10, 9, 0),
      ('2025-03-05', '000.17.31.H31', '1.001612', 12, 6, 12, 12, 0),
      ('2025-03-06', '000.00.00.H31', '2.000908', 30, 0, 30, 25, 0),
      ('2025-01-10', '000.00.17.H31', '1.001612', 40, 0, 40, 40, 0)`);
  const [target] = (await client.query(`SELECT id FROM targets WHERE severity = 'critical' LIMIT 1`)).rows as Array<{ id: string }>;
  await client.query(
    `INSERT INTO alerts (target_id, agency_code, procedure_code, window_kind, metric, severity, threshold, status, resolved_at, last_evaluation, explanation, kind, source_uri) VALUES
      ($1, '000.00.17.H31', NULL, 'monthToDate', 'onlineRate', 'critical', 0.1, 'firing', NULL, '{}', '{}', 'belowTarget', NULL),
      ($1, '000.17.31.H31', NULL, 'monthToDate', 'onlineRate', 'critical', 0.1, 'resolved', now(), '{}', '{}', 'belowTarget', NULL),
      (NULL, NULL, NULL, NULL, NULL, 'warning', NULL, 'firing', NULL, '{}', '{}', 'silentSource', 'urn:dvc:motcua:hung-yen')`,
    [target!.id],
  );
}

describe('Grafana SQL panels as the read-only role dvc_grafana', () => {
  const panels = panelQueries();
  let allAgencies: string[] = [];
  let allProcedures: string[] = [];

  beforeAll(async () => {
    await withClient(`${POSTGRES_URL}/postgres`, (admin) => admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`));
    await migrate(`${POSTGRES_URL}/${DATABASE}`);
    await withClient(`${POSTGRES_URL}/${DATABASE}`, seed);
    // "All" of a multi-value variable: every value its own query returns, read as the role.
    await withClient(roleUrl('dvc_grafana'), async (client) => {
      allAgencies = (await client.query('SELECT code FROM agencies')).rows.map((row: { code: string }) => row.code);
      allProcedures = (await client.query('SELECT code FROM procedures')).rows.map((row: { code: string }) => row.code);
    });
  });

  const runAsGrafana = (rawSql: string, variables: Record<string, string[] | string> = {}) =>
    withClient(roleUrl('dvc_grafana'), async (client) =>
      (await client.query(substitute(rawSql, { agency: allAgencies, procedure: allProcedures, min_received: '10', ...variables }))).rows as Array<Record<string, unknown>>,
    );

  it('finds the SQL panels of the committed dashboards', () => {
    expect(panels.map((panel) => panel.title)).toEqual(
      expect.arrayContaining([
        'Tỷ lệ trực tuyến theo ngày',
        'Cơ quan có tỷ lệ trực tuyến thấp nhất',
        'Thủ tục có tỷ lệ trực tuyến thấp nhất',
        'Cảnh báo đang mở',
        'Dịch vụ công trực tuyến không có hồ sơ trực tuyến',
      ]),
    );
  });

  it('rejects macros and variables it does not know', () => {
    expect(() => substitute('SELECT $__timeGroup(day, 1h)', {})).toThrow(/unknown Grafana macro/);
    expect(() => substitute('SELECT $nope', {})).toThrow(/unknown variable/);
  });

  it('runs every template variable query', async () => {
    const variables = variableQueries();
    expect(variables.map((variable) => variable.name).sort()).toEqual(['agency', 'procedure']);
    for (const variable of variables) {
      const rows = await runAsGrafana(variable.rawSql);
      expect(rows.length).toBe(3);
      expect(Object.keys(rows[0]!).sort()).toEqual(['__text', '__value']);
    }
  });

  it('runs every SQL panel and each returns the rows the seeded data calls for', async () => {
    const expectedRows: Record<string, number> = {
      'Tỷ lệ trực tuyến theo ngày': 3, // 4, 5 and 6 March (January is outside the range)
      'Cơ quan có tỷ lệ trực tuyến thấp nhất': 3,
      'Thủ tục có tỷ lệ trực tuyến thấp nhất': 2, // the procedure not offered online is left out
      'Cảnh báo đang mở': 2, // the resolved one is not
      'Dịch vụ công trực tuyến không có hồ sơ trực tuyến': 1,
    };
    for (const panel of panels) {
      const rows = await runAsGrafana(panel.rawSql).catch((error: Error) => {
        throw new Error(`${panel.dashboard} / ${panel.title}: ${error.message}`);
      });
      expect({ panel: panel.title, rows: rows.length }).toEqual({ panel: panel.title, rows: expectedRows[panel.title] ?? expect.any(Number) });
      expect(rows.length).toBeGreaterThan(0);
    }
  });

  it('computes the numbers the API would', async () => {
    const sqlOf = (title: string) => panels.find((panel) => panel.title === title)!.rawSql;
    const worstAgencies = await runAsGrafana(sqlOf('Cơ quan có tỷ lệ trực tuyến thấp nhất'));
    expect(worstAgencies.map((row) => [row['Mã cơ quan'], Number(row['Tiếp nhận']), Number(row['Trực tuyến'])])).toEqual([
      ['000.00.00.H31', 30, 0],
      ['000.00.17.H31', 35, 5],
      ['000.17.31.H31', 12, 6],
    ]);
    // An agency selects its subtree.
    const district = await runAsGrafana(sqlOf('Cơ quan có tỷ lệ trực tuyến thấp nhất'), { agency: ['000.00.17.H31'] });
    expect(district.map((row) => row['Mã cơ quan'])).toEqual(['000.00.17.H31', '000.17.31.H31']);

    const zeroUptake = await runAsGrafana(sqlOf('Dịch vụ công trực tuyến không có hồ sơ trực tuyến'));
    expect(zeroUptake.map((row) => [row['Tháng'], row['Mã cơ quan'], row['Mã thủ tục'], Number(row['Tiếp nhận'])])).toEqual([
      ['2025-03', '000.00.17.H31', '1.001612', 20],
    ]);
    // The same rule as GET /v1/zero-uptake: the minimum counts.
    expect(await runAsGrafana(sqlOf('Dịch vụ công trực tuyến không có hồ sơ trực tuyến'), { min_received: '50' })).toEqual([]);

    const daily = await runAsGrafana(sqlOf('Tỷ lệ trực tuyến theo ngày'));
    expect(daily.map((row) => [(row.time as Date).toISOString(), row['Tỷ lệ trực tuyến']])).toEqual([
      ['2025-03-03T17:00:00.000Z', 0],
      ['2025-03-04T17:00:00.000Z', 11 / 27],
      ['2025-03-05T17:00:00.000Z', 0],
    ]);
  });

  it('lets the role change nothing and read no secrets', async () => {
    const denied = async (sql: string) => {
      const error = await withClient(roleUrl('dvc_grafana'), (client) => client.query(sql)).then(
        () => null,
        (failure: Error & { code?: string }) => failure,
      );
      expect({ sql, code: error?.code }).toEqual({ sql, code: '42501' }); // insufficient_privilege
    };
    await denied(`INSERT INTO agencies (code, name, level, info_time, info_event_id) VALUES ('x', 'x', 'commune', 't', 'e')`);
    await denied(`UPDATE daily_buckets SET received = received + 1`);
    await denied(`DELETE FROM alerts`);
    await denied(`UPDATE targets SET threshold = 0`);
    await denied(`TRUNCATE daily_buckets`);
    await denied(`CREATE TABLE grafana_was_here (x int)`);
    await denied(`SELECT api_key_hash FROM ingest_sources`);
    await denied(`SELECT secret FROM webhook_endpoints`);
    await denied(`SELECT email FROM alert_recipients`);
    await denied(`SELECT payload FROM notification_outbox`);
    await denied(`SELECT state FROM dossier_states`);
  });

  it('migrates again without error where the roles already exist (roles are cluster-wide)', async () => {
    const other = `${DATABASE}_again`;
    await withClient(`${POSTGRES_URL}/postgres`, (admin) => admin.query(`DROP DATABASE IF EXISTS ${other} WITH (FORCE)`));
    await migrate(`${POSTGRES_URL}/${other}`);
    const url = new URL(roleUrl('dvc_grafana'));
    url.pathname = `/${other}`;
    await withClient(url.toString(), (client) => client.query('SELECT count(*) FROM daily_buckets'));
    await withClient(`${POSTGRES_URL}/postgres`, (admin) => admin.query(`DROP DATABASE IF EXISTS ${other} WITH (FORCE)`));
  });
});
