/**
 * Read latency of the API on the province-year the pipeline benchmark has just stored: the API from dist/
 * as its own process, `autocannon` with 200 concurrent connections per endpoint, one endpoint after another.
 *
 * The API verifies real signed tokens: the benchmark is its own identity provider for the run (an RS256 key
 * made here, its JWKS served on a loopback port, OIDC_JWKS_URL pointing at it) and signs one access token of a
 * province operator whose scope is the province's root. The per-client rate limit is raised for the run (one
 * client makes every request). autocannon runs in this process, on the same two cores as the API and
 * PostgreSQL: the figures include that contention.
 *
 * The two /v1/rates reads are each paired with the same question bounded one day short of the month's end,
 * which the API must sum from the day rows: the roll-ups' gain, measured in the same run. (The indicators take
 * period labels only, so they have no such twin.) The client asks for gzip, as browsers and Grafana do; one row
 * repeats the first read without it. The last row, the liveness probe, is the floor of the HTTP stack: Nest on
 * Express with the API's middleware, nothing to verify or compute.
 */
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Client } from 'pg';
import { freePort, ServiceProcess } from './support/children';

export const API_SECTION_START = '<!-- api-latency-benchmark:start -->';
export const API_SECTION_END = '<!-- api-latency-benchmark:end -->';
export const GOAL_API_P99_MS = 50;

export interface ApiLatencyOptions {
  databaseUrl: string;
  serviceEnv: NodeJS.ProcessEnv;
  apiMain: string;
  repoRoot: string;
  workDir: string;
  connections: number;
  durationSeconds: number;
  log: (line: string) => void;
  /** Called with the API's pid once it runs (RSS sampling by the caller). */
  track?: (name: string, pid: number) => void;
}

export interface EndpointResult {
  name: string;
  path: string;
  /** What the answer is computed from: month roll-ups, day rows, or nothing (the HTTP stack's floor). */
  reads: 'month roll-ups' | 'day rows' | 'nothing';
  /** Whether the client asks for gzip (`Accept-Encoding: gzip`, as browsers, Grafana and Node's fetch do). */
  gzip: boolean;
  /** Counted against the goal (the roll-up reads as clients send them). */
  countsForGoal: boolean;
  requests: number;
  non2xx: number;
  errors: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ApiLatencyResult {
  connections: number;
  durationSeconds: number;
  scopeRoot: string;
  agency: string;
  agencyDescendants: number;
  endpoints: EndpointResult[];
}

/** The province's root (the parent no agency row names) and the named agency with the most descendants. */
export async function provinceShape(databaseUrl: string): Promise<{ scopeRoot: string; agency: string; descendants: number }> {
  const database = new Client({ connectionString: databaseUrl, application_name: 'dvc-bench-api' });
  await database.connect();
  try {
    const { rows: roots } = await database.query<{ code: string }>(
      `SELECT DISTINCT parent_code AS code FROM agencies WHERE parent_code IS NOT NULL AND parent_code NOT IN (SELECT code FROM agencies)
       UNION SELECT code FROM agencies WHERE parent_code IS NULL ORDER BY 1 LIMIT 1`,
    );
    const { rows: agencies } = await database.query<{ code: string; descendants: string }>(
      `SELECT a.code, (SELECT count(*) FROM agency_subtree(ARRAY[a.code])) - 1 AS descendants
       FROM agencies a ORDER BY 2 DESC, 1 LIMIT 1`,
    );
    if (!roots[0] || !agencies[0]) throw new Error('the benchmark database has no agencies');
    return { scopeRoot: roots[0].code, agency: agencies[0].code, descendants: Number(agencies[0].descendants) };
  } finally {
    await database.end();
  }
}

/** A one-key identity provider for the run: JWKS on a loopback port, one signed access token. */
async function benchIdentityProvider(scopeRoot: string): Promise<{ issuer: string; jwksUrl: string; token: string; server: Server }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
  const port = await freePort();
  const server = createServer((request, response) => {
    response.writeHead(request.url === '/jwks' ? 200 : 404, { 'content-type': 'application/json' });
    response.end(request.url === '/jwks' ? JSON.stringify({ keys: [jwk] }) : '{}');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${port}/bench`;
  const token = await new SignJWT({ typ: 'Bearer', name: 'Benchmark operator', dvc_roles: ['province-operator'], dvc_agencies: [scopeRoot] })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench' })
    .setIssuer(issuer)
    .setAudience('dvc-api')
    .setSubject('bench-operator')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(privateKey);
  return { issuer, jwksUrl: `http://127.0.0.1:${port}/jwks`, token, server };
}

type Endpoint = Pick<EndpointResult, 'name' | 'path' | 'reads' | 'gzip' | 'countsForGoal'>;

function endpointsOf(agency: string, scopeRoot: string): Endpoint[] {
  const a = encodeURIComponent(agency);
  const root = encodeURIComponent(scopeRoot);
  const monthsByAgency = `/v1/rates?period=month&groupBy=agency&agency=${a}&subtree=true&from=2025-01&to=2025-12&limit=500`;
  const rollUps = { reads: 'month roll-ups', gzip: true, countsForGoal: true } as const;
  const dayRows = { reads: 'day rows', gzip: true, countsForGoal: false } as const;
  return [
    { name: 'rates: months of the year, by agency, subtree', path: monthsByAgency, ...rollUps },
    { name: 'the same, the client not asking for gzip', path: monthsByAgency, ...rollUps, gzip: false, countsForGoal: false },
    { name: 'the same summed from the day rows (to 2025-12-30)', path: `/v1/rates?period=month&groupBy=agency&agency=${a}&subtree=true&from=2025-01&to=2025-12-30&limit=500`, ...dayRows },
    { name: 'rates: the year, by agency and procedure, whole scope', path: `/v1/rates?period=year&groupBy=agency,procedure&from=2025&to=2025&limit=500`, ...rollUps },
    { name: 'the same from the day rows (to 2025-12-30)', path: `/v1/rates?period=year&groupBy=agency,procedure&from=2025&to=2025-12-30&limit=500`, ...dayRows },
    { name: 'indicators: a month, by agency, subtree', path: `/v1/indicators?period=2025-06&agency=${a}&subtree=true&groupBy=agency`, ...rollUps },
    { name: 'indicators: the year, by agency, subtree', path: `/v1/indicators?period=2025&agency=${a}&subtree=true&groupBy=agency`, ...rollUps },
    { name: "ranking: the root's children, a quarter", path: `/v1/rankings?period=2025-Q2&parent=${root}`, ...rollUps },
    // The same Nest/Express stack answering 49 bytes with no token, no guard, no database: what any endpoint costs at least.
    { name: 'floor: GET /health/live (no token, no database)', path: '/health/live', reads: 'nothing', gzip: false, countsForGoal: false },
  ];
}

/** The API from dist/ on `databaseUrl`, trusting the run's own identity provider, and a province operator's token. */
export async function startBenchApi(
  options: Pick<ApiLatencyOptions, 'databaseUrl' | 'serviceEnv' | 'apiMain' | 'repoRoot' | 'workDir'>,
  scopeRoot: string,
  name = 'api',
): Promise<{ api: ServiceProcess; url: string; token: string; stop: () => Promise<void> }> {
  const idp = await benchIdentityProvider(scopeRoot);
  const api = new ServiceProcess(
    name,
    options.apiMain,
    {
      ...options.serviceEnv,
      DATABASE_URL: options.databaseUrl,
      OIDC_ISSUER_URL: idp.issuer,
      OIDC_JWKS_URL: idp.jwksUrl,
      API_RATE_LIMIT_PER_MINUTE: '10000000',
      // The API will not start without a sealing key; the benchmark stores no secret with it.
      SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    },
    await freePort(),
    join(options.workDir, `${name}.log`),
    options.repoRoot,
  );
  const stop = async () => {
    await api.stop();
    await new Promise((resolve) => idp.server.close(resolve));
  };
  try {
    api.spawn();
    await api.waitUntilReady();
  } catch (error) {
    await stop();
    throw error;
  }
  return { api, url: `http://127.0.0.1:${api.port}`, token: idp.token, stop };
}

export async function runApiLatencyBenchmark(options: ApiLatencyOptions): Promise<ApiLatencyResult> {
  const { scopeRoot, agency, descendants } = await provinceShape(options.databaseUrl);
  options.log(`scope root ${scopeRoot}; agency ${agency} with ${descendants} descendants`);
  const { api, token, stop } = await startBenchApi(options, scopeRoot);
  const idp = { token };
  try {
    options.track?.('api', api.pid);
    const endpoints: EndpointResult[] = [];
    for (const endpoint of endpointsOf(agency, scopeRoot)) {
      const url = `http://127.0.0.1:${api.port}${endpoint.path}`;
      const headers: Record<string, string> = { authorization: `Bearer ${idp.token}`, 'accept-encoding': endpoint.gzip ? 'gzip' : 'identity' };
      const probe = await fetch(url, { headers: { authorization: headers.authorization } });
      if (!probe.ok) throw new Error(`${endpoint.path} answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);
      // A short warm-up (plans, pools, JIT), then the measured run.
      await autocannon({ url, connections: 20, duration: 2, headers });
      const result = await autocannon({ url, connections: options.connections, duration: options.durationSeconds, headers });
      const row: EndpointResult = {
        ...endpoint,
        requests: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        requestsPerSecond: result.requests.average,
        p50Ms: result.latency.p50,
        p90Ms: result.latency.p90,
        p99Ms: result.latency.p99,
        maxMs: result.latency.max,
      };
      options.log(`${endpoint.name}: ${row.requests} requests, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, ${row.requestsPerSecond.toFixed(0)}/s, non-2xx ${row.non2xx}, errors ${row.errors}`);
      endpoints.push(row);
    }
    return { connections: options.connections, durationSeconds: options.durationSeconds, scopeRoot, agency, agencyDescendants: descendants, endpoints };
  } finally {
    await stop();
  }
}

export function renderApiLatencySection(result: ApiLatencyResult | { error: string }, command: string): string {
  const lines = [API_SECTION_START, '', '## API read latency (issue 10)', ''];
  if ('error' in result) {
    lines.push(`The run failed: ${result.error}`, '', API_SECTION_END, '');
    return lines.join('\n');
  }
  lines.push(
    `Measured by \`${command}\` (bench/api-latency-benchmark.ts) right after the pipeline run above, on the province-year it stored. The API from dist/ as its own process, its read cache at the defaults (API_READ_CACHE_TTL_MS 500, API_READ_CACHE_STALE_MS 1000); \`autocannon\` with ${result.connections} concurrent connections for ${result.durationSeconds} s per endpoint (after 2 s of warm-up with 20), in the benchmark's process on the same 2 cores. Signed in as a province operator whose scope is ${result.scopeRoot}; "subtree" is agency ${result.agency} and its ${result.agencyDescendants} descendants. The client asks for gzip as browsers, Grafana and Node's fetch do, except in the row that says otherwise. The two /v1/rates reads are each paired with the same question bounded one day short of the month's end, which the API must sum from the day rows. The last row is the floor of the HTTP stack itself: the liveness probe, with no token, guard or database.`,
    '',
    '| endpoint | reads | gzip | requests | req/s | p50 | p90 | p99 | max | non-2xx | errors |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const row of result.endpoints) {
    lines.push(
      `| ${row.name} | ${row.reads} | ${row.gzip ? 'yes' : 'no'} | ${row.requests} | ${row.requestsPerSecond.toFixed(0)} | ${row.p50Ms} ms | ${row.p90Ms} ms | **${row.p99Ms} ms** | ${row.maxMs} ms | ${row.non2xx} | ${row.errors} |`,
    );
  }
  const counted = result.endpoints.filter((row) => row.countsForGoal);
  const worst = Math.max(...counted.map((row) => row.p99Ms));
  const floor = result.endpoints.find((row) => row.reads === 'nothing');
  lines.push('', '| goal | target | measured | |', '|---|---|---|---|');
  lines.push(`| p99 of the roll-up reads, ${result.connections} clients | < ${GOAL_API_P99_MS} ms | ${worst} ms (worst endpoint) | ${worst < GOAL_API_P99_MS ? 'met' : '**not met**'} |`, '');
  if (floor) {
    // Little's law: with N requests always in flight, the mean latency is N ÷ throughput.
    lines.push(
      `The floor row bounds what any endpoint can reach here: ${floor.requestsPerSecond.toFixed(0)} requests/s with nothing to compute, so ${result.connections} connections always waiting mean ${((result.connections / floor.requestsPerSecond) * 1000).toFixed(0)} ms on average by Little's law (measured p50 ${floor.p50Ms} ms, p99 ${floor.p99Ms} ms). A p99 under ${GOAL_API_P99_MS} ms for ${result.connections} clients needs more than ${Math.ceil(result.connections / (GOAL_API_P99_MS / 1000)).toLocaleString('en-US')} requests/s: more than this HTTP stack answers on these two cores beside the load generator, PostgreSQL and Redis, even with nothing to compute.`,
      '',
    );
  }
  lines.push(API_SECTION_END, '');
  return lines.join('\n');
}

/**
 * Alone, against a database that already holds a replay (`BENCH_KEEP=1 npm run bench` keeps one):
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/dvc_bench node dist/bench/api-latency-benchmark.js
 * prints the section to stdout (BENCH_API_CONNECTIONS, BENCH_API_DURATION_S as in the full run).
 */
if (require.main === module) {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dvc_bench';
  const repoRoot = join(__dirname, '..', '..');
  runApiLatencyBenchmark({
    databaseUrl,
    serviceEnv: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: process.env.BENCH_SERVICE_LOG_LEVEL ?? 'warn' },
    apiMain: join(__dirname, '..', 'services', 'api', 'src', 'main.js'),
    repoRoot,
    workDir: process.env.BENCH_WORK_DIR ?? require('node:os').tmpdir(),
    connections: Number(process.env.BENCH_API_CONNECTIONS ?? 200),
    durationSeconds: Number(process.env.BENCH_API_DURATION_S ?? 10),
    log: (line) => console.error(`[api-bench] ${line}`),
  }).then(
    (result) => process.stdout.write(renderApiLatencySection(result, 'node dist/bench/api-latency-benchmark.js')),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
