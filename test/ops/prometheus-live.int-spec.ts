import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/infrastructure';
import { eventually, ServiceProcess, sleep, stopAllServices } from '../support/service-process';
import { TestEnvironment } from '../support/test-environment';

/**
 * The live check of the operators' view: the services run from dist/ with the simulator streaming a
 * province into them (with some invalid events, so dead letters exist), a real Prometheus on
 * loopback scrapes them every second, and every PromQL expression of every recording rule and of
 * every Prometheus panel in deploy/grafana/dashboards/*.json must return data: a non-empty result
 * with at least one value that is not NaN.
 *
 * Substitutions (dashboards only): Grafana's `$__rate_interval`, `$__interval` and `$__range` become
 * `1m` (60 one-second scrapes exist by then); a label matcher on a dashboard variable
 * (`label="$var"`, `label=~"${var}"`) becomes `label=~".*"`; any other `$var` becomes `.*`.
 * The rules' own windows ([5m]) are kept: with 1 s scrapes a rate exists after two samples.
 */

const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? 'prometheus';
const DASHBOARDS = join(REPO_ROOT, 'deploy', 'grafana', 'dashboards');
const RULE_FILES = ['recording.yml', 'alerts.yml'].map((file) => join(REPO_ROOT, 'deploy', 'prometheus', 'rules', file));
const DATA_TIMEOUT_MS = 150_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Expression {
  origin: string;
  expr: string;
}

/** Every Prometheus target expression of every panel (rows and nested panels included). */
export function dashboardExpressions(directory: string): Expression[] {
  if (!existsSync(directory)) return [];
  const expressions: Expression[] = [];
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.json')).sort()) {
    const dashboard = JSON.parse(readFileSync(join(directory, file), 'utf8')) as Record<string, unknown>;
    const isPrometheus = (datasource: unknown): boolean => {
      if (datasource === undefined || datasource === null) return true; // the default data source is Prometheus
      if (typeof datasource === 'string') return !/postgres|grafana-postgresql|sql/i.test(datasource);
      const { type, uid } = datasource as { type?: string; uid?: string };
      if (type) return type === 'prometheus';
      return !/postgres|sql/i.test(uid ?? '');
    };
    const visit = (panels: unknown, path: string) => {
      if (!Array.isArray(panels)) return;
      for (const panel of panels as Array<Record<string, unknown>>) {
        const title = `${path} › ${String(panel.title ?? panel.id ?? '?')}`;
        for (const target of (panel.targets as Array<Record<string, unknown>> | undefined) ?? []) {
          const datasource = target.datasource ?? panel.datasource;
          if (typeof target.expr === 'string' && target.expr.trim() !== '' && isPrometheus(datasource)) {
            expressions.push({ origin: `${title} [${String(target.refId ?? '')}]`, expr: target.expr });
          }
        }
        visit(panel.panels, title);
      }
    };
    visit(dashboard.panels, file);
  }
  return expressions;
}

export function substituteDashboardVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g, '1m')
    .replace(/([a-zA-Z_]\w*)\s*(=~|=|!~|!=)\s*"\$\{?(\w+)(?::\w+)?\}?"/g, (_match, label: string, operator: string) =>
      operator.startsWith('!') ? `${label}!~"^$"` : `${label}=~".*"`,
    )
    .replace(/\[\[\w+\]\]|\$\{\w+(?::\w+)?\}|\$\w+/g, '.*');
}

describe('a live Prometheus against the running services: every rule and dashboard expression has data', () => {
  const environment = new TestEnvironment('prometheus_live');
  const workDirectory = mkdtempSync(join(tmpdir(), 'dvc-prometheus-'));
  const children: ChildProcess[] = [];
  let prometheusUrl = '';
  let services: ServiceProcess[] = [];

  function spawnLogged(name: string, command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
    mkdirSync(join(REPO_ROOT, 'dist', 'test-logs'), { recursive: true });
    const log = createWriteStream(join(REPO_ROOT, 'dist', 'test-logs', `${name}-${process.pid}.log`), { flags: 'a' });
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    children.push(child);
    return child;
  }

  async function query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const response = await fetch(`${prometheusUrl}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: expr }),
    });
    const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
    if (body.status !== 'success') throw new Error(`error: ${body.error}`);
    const { resultType, result } = body.data!;
    if (resultType === 'scalar') return [{ metric: {}, value: result as [number, string] }];
    if (resultType !== 'vector') throw new Error(`unexpected result type ${resultType}`);
    return result as Array<{ metric: Record<string, string>; value: [number, string] }>;
  }

  /** '' when the expression has data, otherwise why not. */
  async function problemOf(expr: string): Promise<string> {
    try {
      const result = await query(expr);
      if (result.length === 0) return 'empty result';
      if (result.every((sample) => sample.value[1] === 'NaN')) return `only NaN (${result.length} series)`;
      return '';
    } catch (error) {
      return String(error instanceof Error ? error.message : error);
    }
  }

  beforeAll(async () => {
    await environment.prepare(3);
    const env = environment.serviceEnvironment({
      ALERT_SWEEP_INTERVAL_MS: '1000',
      ALERT_LEADER_LOCK_KEY: `dvc:test:alerting:${environment.runId}`,
      ALERT_RATE_CHANGES_GROUP_ID: `alerting.${environment.runId}`,
      OUTBOX_POLL_INTERVAL_MS: '500',
      // no SMTP server: e-mails stay in the outbox, which is what the backlog gauge shows
      SMTP_URL: 'smtp://127.0.0.1:9',
      SMTP_TIMEOUT_MS: '1000',
    });
    services = await Promise.all([
      new ServiceProcess('ingest', env).start(),
      new ServiceProcess('aggregator', env).start(),
      new ServiceProcess('api', env).start(),
      new ServiceProcess('alerting', env).start(),
    ]);
    const simulatorPort = await freePort();
    spawnLogged('simulator-live', process.execPath, [join(REPO_ROOT, 'dist/services/simulator/src/main.js'), 'stream'], {
      ...env,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(simulatorPort),
      SIMULATOR_SINK: 'kafka',
      SIMULATOR_RATE: '200',
      SIMULATOR_SEED: '20251201',
      SIMULATOR_INVALID_RATE: '0.05',
      SIMULATOR_TIME_SCALE: '20000',
    });

    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    const target = (job: string, service: string, listenPort: number) =>
      `  - job_name: ${job}\n    static_configs:\n      - targets: ['127.0.0.1:${listenPort}']\n        labels: { service: ${service} }\n`;
    writeFileSync(
      join(workDirectory, 'prometheus.yml'),
      [
        'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n',
        `rule_files:\n${RULE_FILES.map((file) => `  - ${JSON.stringify(file)}\n`).join('')}`,
        'scrape_configs:\n',
        ...services.map((service) => target(`dvc-${service.service}`, service.service, service.port)),
        target('dvc-simulator', 'simulator', simulatorPort),
        target('prometheus', 'prometheus', port),
      ].join(''),
    );
    const prometheus = spawnLogged('prometheus-live', PROMETHEUS_BIN, [
      `--config.file=${join(workDirectory, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(workDirectory, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
    ]);
    const spawnError = new Promise<Error>((resolve) => prometheus.once('error', resolve));
    const ready = eventually(async () => ((await fetch(`${prometheusUrl}/-/ready`)).ok ? true : undefined), 30_000, 'Prometheus to be ready');
    const outcome = await Promise.race([ready, spawnError]);
    if (outcome instanceof Error) {
      throw new Error(`could not start ${PROMETHEUS_BIN} (Debian's prometheus package; .ci/run installs it): ${outcome.message}`);
    }
    // every target scraped at least once, and up
    await eventually(async () => {
      const up = await query('up');
      return up.length === services.length + 2 && up.every((sample) => sample.value[1] === '1') ? true : undefined;
    }, 30_000, 'every target to be up in Prometheus');
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await sleep(1_000);
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stopAllServices();
    await environment.cleanUp();
    rmSync(workDirectory, { recursive: true, force: true });
  });

  it('every expression of every recording rule and every Prometheus dashboard panel returns data', async () => {
    const rules = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ file: string; rules: Array<{ type: string; name: string; query: string; health: string; lastError?: string }> }> };
    };
    const loaded = rules.data.groups.flatMap((group) => group.rules);
    expect(loaded.filter((rule) => rule.type === 'alerting').length).toBeGreaterThan(10);
    const recording = loaded.filter((rule) => rule.type === 'recording').map((rule) => ({ origin: `recording rule ${rule.name}`, expr: rule.query }));
    expect(recording.length).toBeGreaterThan(20);
    const dashboards = dashboardExpressions(DASHBOARDS).map(({ origin, expr }) => ({ origin: `dashboard ${origin}`, expr: substituteDashboardVariables(expr) }));
    if (existsSync(DASHBOARDS)) expect(dashboards.length).toBeGreaterThan(0);
    const expressions: Expression[] = [...recording, ...dashboards];

    let problems: Array<Expression & { problem: string }> = [];
    const deadline = Date.now() + DATA_TIMEOUT_MS;
    do {
      problems = [];
      for (const expression of expressions) {
        const problem = await problemOf(expression.expr);
        if (problem) problems.push({ ...expression, problem });
      }
      if (problems.length === 0 || Date.now() > deadline) break;
      await sleep(3_000);
    } while (true);

    const report = problems.map(({ origin, expr, problem }) => `- ${origin}: ${problem}\n    ${expr.replace(/\s+/g, ' ')}`).join('\n');
    if (problems.length > 0) {
      throw new Error(`${problems.length} of ${expressions.length} expressions returned no data after ${DATA_TIMEOUT_MS / 1000} s:\n${report}`);
    }
    // and Prometheus evaluates every rule without error
    const after = ((await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as typeof rules).data.groups.flatMap((group) => group.rules);
    expect(after.filter((rule) => rule.health === 'err').map((rule) => `${rule.name}: ${rule.lastError}`)).toEqual([]);
  });
});
