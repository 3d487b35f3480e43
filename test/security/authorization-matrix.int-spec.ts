import ExcelJS from 'exceljs';
import request from 'supertest';
import { passwordToken } from '../support/keycloak';
import { startSecuredApi, SecuredApi, servedRoutes } from './support/api-app';
import { CALLERS, Caller, MatrixRow, readAuthorizationMatrix } from './support/authorization-matrix';
import { IN_SCOPE, OUT_OF_SCOPE, PROCEDURE, ScopeFixtures } from './support/scope-fixtures';

/**
 * Walks every cell of the authorization matrix in docs/security.md: each route, as each role (a demo user of the
 * real local Keycloak), for a resource inside the caller's scope and one outside it. The answers must be exactly
 * the table's. Routes the API serves and rows of the table must be the same set.
 */
const USERS: Record<Exclude<Caller, 'no token'>, string> = {
  'province-operator': 'operator',
  'agency-admin': 'admin-tu-phap',
  viewer: 'inspector',
  integrator: 'integrator',
  'no role': 'no-role',
};

type Side = 'in' | 'out';
type Probe = (caller: Caller, side: Side) => Promise<string>;

let api: SecuredApi;
let fixtures: ScopeFixtures;
const tokens = new Map<Caller, string>();
const matrix: MatrixRow[] = readAuthorizationMatrix();

const agencyOf = (side: Side) => (side === 'in' ? IN_SCOPE : OUT_OF_SCOPE);

function send(caller: Caller, method: 'get' | 'post' | 'patch' | 'delete', path: string, body?: object) {
  let call = request(api.app.getHttpServer())[method](path);
  const token = tokens.get(caller);
  if (token) call = call.set('Authorization', `Bearer ${token}`);
  return body === undefined ? call : call.send(body);
}

/** A list probe: in scope, the list must hold the caller's own item; out of scope, it must not hold the other. */
function listed(path: string, query: Record<string, string>, holds: (body: any, agency: string) => boolean): Probe {
  return async (caller, side) => {
    const response = await send(caller, 'get', path).query(query);
    if (response.status !== 200) return String(response.status);
    const present = holds(response.body, agencyOf(side));
    if (side === 'in') return present ? '200' : 'missing (200 without the in-scope item)';
    return present ? 'leaked (the out-of-scope item is listed)' : 'filtered';
  };
}

/** A report probe: the file of the whole scope must name the caller's own agency, and not the other one. */
function reported(format: 'csv' | 'xlsx', holds: (file: Buffer, agency: string) => Promise<boolean> | boolean): Probe {
  return async (caller, side) => {
    const response = await send(caller, 'get', `/v1/reports/indicators.${format}`)
      .query({ period: '2025-03' })
      .buffer(true)
      .parse((stream, done) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => done(null, Buffer.concat(chunks)));
      });
    if (response.status !== 200) return String(response.status);
    const present = await holds(response.body as Buffer, agencyOf(side));
    if (side === 'in') return present ? '200' : 'missing (200 without the in-scope agency)';
    return present ? 'leaked (the out-of-scope agency is in the report)' : 'filtered';
  };
}

async function xlsxHolds(file: Buffer, agency: string): Promise<boolean> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(file as unknown as ExcelJS.Buffer);
  let found = false;
  workbook.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => (found ||= cell.value === agency))));
  return found;
}

const itemsOfAgency = (body: { items: Array<{ agencyCode?: string | null }> }, agency: string) => body.items.some((item) => item.agencyCode === agency);
const status = async (response: PromiseLike<{ status: number }>) => String((await response).status);

/** How each route of the matrix is asked, in scope and out of it. */
const PROBES: Record<string, { probe: Probe; scoped: boolean }> = {
  'GET /v1/rates': { scoped: true, probe: listed('/v1/rates', { period: 'month', groupBy: 'agency' }, itemsOfAgency) },
  'GET /v1/agencies': { scoped: true, probe: listed('/v1/agencies', {}, (body, agency) => body.items.some((item: { code: string }) => item.code === agency)) },
  'GET /v1/agencies/:code': { scoped: true, probe: (caller, side) => status(send(caller, 'get', `/v1/agencies/${agencyOf(side)}`)) },
  'GET /v1/zero-uptake': { scoped: true, probe: listed('/v1/zero-uptake', { period: 'month' }, itemsOfAgency) },
  'GET /v1/indicators': { scoped: true, probe: listed('/v1/indicators', { period: '2025-03', groupBy: 'agency' }, itemsOfAgency) },
  'GET /v1/rankings': { scoped: true, probe: (caller, side) => status(send(caller, 'get', '/v1/rankings').query({ period: '2025-03', agency: agencyOf(side) })) },
  'GET /v1/forecasts': { scoped: true, probe: (caller, side) => status(send(caller, 'get', '/v1/forecasts').query({ agency: agencyOf(side) })) },
  'GET /v1/reports/indicators.csv': { scoped: true, probe: reported('csv', (file, agency) => file.toString('utf8').includes(agency)) },
  'GET /v1/reports/indicators.xlsx': { scoped: true, probe: reported('xlsx', xlsxHolds) },
  'GET /v1/procedures': { scoped: false, probe: (caller) => status(send(caller, 'get', '/v1/procedures')) },
  'GET /v1/procedures/:code': { scoped: false, probe: (caller) => status(send(caller, 'get', `/v1/procedures/${PROCEDURE}`)) },
  'GET /v1/targets': {
    scoped: true,
    probe: listed('/v1/targets', { limit: '200' }, (body, agency) => body.items.some((item: { scope: { agencyCode?: string } }) => item.scope.agencyCode === agency)),
  },
  'GET /v1/targets/effective': { scoped: true, probe: (caller, side) => status(send(caller, 'get', '/v1/targets/effective').query({ agency: agencyOf(side) })) },
  'GET /v1/targets/audit': {
    scoped: true,
    probe: listed('/v1/targets/audit', { limit: '200' }, (body, agency) =>
      body.items.some((item: { after: { scope: { agencyCode?: string } } | null }) => item.after?.scope.agencyCode === agency),
    ),
  },
  'GET /v1/targets/:id': { scoped: true, probe: async (caller, side) => status(send(caller, 'get', `/v1/targets/${await fixtures.target(agencyOf(side))}`)) },
  'GET /v1/targets/:id/audit': { scoped: true, probe: async (caller, side) => status(send(caller, 'get', `/v1/targets/${await fixtures.target(agencyOf(side))}/audit`)) },
  'POST /v1/targets': {
    scoped: true,
    probe: (caller, side) =>
      status(
        send(caller, 'post', '/v1/targets', {
          scope: { kind: 'agencyProcedure', agencyCode: agencyOf(side), procedureCode: `8.${Math.random().toString().slice(2, 10)}` },
          metric: 'onlineRate',
          threshold: 0.25,
          severity: 'warning',
        }),
      ),
  },
  'PATCH /v1/targets/:id': {
    scoped: true,
    probe: async (caller, side) => status(send(caller, 'patch', `/v1/targets/${await fixtures.target(agencyOf(side))}`, { version: 1, threshold: 0.35 })),
  },
  'DELETE /v1/targets/:id': { scoped: true, probe: async (caller, side) => status(send(caller, 'delete', `/v1/targets/${await fixtures.target(agencyOf(side))}`)) },
  'GET /v1/alerts': { scoped: true, probe: listed('/v1/alerts', { limit: '200' }, itemsOfAgency) },
  'GET /v1/alerts/:id': { scoped: true, probe: async (caller, side) => status(send(caller, 'get', `/v1/alerts/${await fixtures.alert(agencyOf(side))}`)) },
  'POST /v1/alerts/:id/acknowledge': {
    scoped: true,
    probe: async (caller, side) =>
      status(send(caller, 'post', `/v1/alerts/${await fixtures.alert(agencyOf(side))}/acknowledge`, { comment: 'Đã giao phòng chuyên môn xử lý' })),
  },
  'GET /v1/recipients': { scoped: true, probe: listed('/v1/recipients', { limit: '200' }, itemsOfAgency) },
  'POST /v1/recipients': {
    scoped: true,
    probe: (caller, side) =>
      status(send(caller, 'post', '/v1/recipients', { agencyCode: agencyOf(side), email: `moi.${Math.random().toString().slice(2, 10)}@hungyen.gov.vn` })),
  },
  'DELETE /v1/recipients/:id': { scoped: true, probe: async (caller, side) => status(send(caller, 'delete', `/v1/recipients/${await fixtures.recipient(agencyOf(side))}`)) },
  'GET /v1/webhooks': { scoped: true, probe: listed('/v1/webhooks', { limit: '200' }, itemsOfAgency) },
  'GET /v1/webhooks/:id': { scoped: true, probe: async (caller, side) => status(send(caller, 'get', `/v1/webhooks/${await fixtures.webhook(agencyOf(side))}`)) },
  'POST /v1/webhooks': {
    scoped: true,
    probe: (caller, side) => status(send(caller, 'post', '/v1/webhooks', { url: 'https://hooks.example.org/dvc', agencyCode: agencyOf(side) })),
  },
  'PATCH /v1/webhooks/:id': {
    scoped: true,
    probe: async (caller, side) => status(send(caller, 'patch', `/v1/webhooks/${await fixtures.webhook(agencyOf(side))}`, { enabled: false })),
  },
  'DELETE /v1/webhooks/:id': { scoped: true, probe: async (caller, side) => status(send(caller, 'delete', `/v1/webhooks/${await fixtures.webhook(agencyOf(side))}`)) },
  'GET /v1/sources': { scoped: false, probe: (caller) => status(send(caller, 'get', '/v1/sources')) },
  'POST /v1/sources': { scoped: false, probe: async (caller) => status(send(caller, 'post', '/v1/sources', newSource())) },
  'PATCH /v1/sources/:id': {
    scoped: false,
    probe: async (caller) => status(send(caller, 'patch', `/v1/sources/${await sourceId()}`, { name: 'Một cửa Hưng Yên (đổi tên)' })),
  },
  'POST /v1/sources/:id/revoke': { scoped: false, probe: async (caller) => status(send(caller, 'post', `/v1/sources/${await sourceId()}/revoke`)) },
  'GET /v1/sources/activity': { scoped: false, probe: (caller) => status(send(caller, 'get', '/v1/sources/activity')) },
  'GET /metrics': { scoped: false, probe: (caller) => status(send(caller, 'get', '/metrics')) },
  'GET /docs': { scoped: false, probe: (caller) => status(send(caller, 'get', '/docs')) },
  'GET /docs-json': { scoped: false, probe: (caller) => status(send(caller, 'get', '/docs-json')) },
  'GET /docs-yaml': { scoped: false, probe: (caller) => status(send(caller, 'get', '/docs-yaml')) },
  'GET /health/live': { scoped: false, probe: (caller) => status(send(caller, 'get', '/health/live')) },
  'GET /health/ready': { scoped: false, probe: (caller) => status(send(caller, 'get', '/health/ready')) },
};

let sourceCount = 0;
function newSource() {
  sourceCount += 1;
  return { name: `Một cửa thử nghiệm ${sourceCount}`, sourceUri: `urn:dvc:motcua:thu-nghiem-${sourceCount}-${Date.now()}`, allowedAgencies: ['*.H31'], issueApiKey: true };
}

/** A source registered directly by the operator, for the probes that change one. */
async function sourceId(): Promise<string> {
  const response = await send('province-operator', 'post', '/v1/sources', newSource());
  if (response.status !== 201) throw new Error(`could not register a source for the probe: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id;
}

beforeAll(async () => {
  api = await startSecuredApi('dvc_test_authorization_matrix', { METRICS_ACCESS: 'token', DOCS_ACCESS: 'token', API_RATE_LIMIT_PER_MINUTE: '100000' });
  fixtures = new ScopeFixtures(api.db);
  await fixtures.insertReferenceData();
  for (const side of ['in', 'out'] as const) {
    await fixtures.resourcesOf(agencyOf(side));
    await fixtures.recipient(agencyOf(side));
  }
  for (const [caller, username] of Object.entries(USERS) as Array<[Caller, string]>) tokens.set(caller, await passwordToken(username));
});

afterAll(async () => {
  await api?.close();
});

describe('the authorization matrix of docs/security.md', () => {
  it('has a row for every route the API serves, and no row for a route it does not serve', () => {
    // Swagger UI's own assets (scripts, styles) sit under /docs/ behind the same access check as /docs; `/{*path}`
    // entries are Nest's middleware (metrics timing, edge access), bound to every method, not routes.
    const served = servedRoutes(api.app).filter((route) => !route.startsWith('GET /docs/') && !route.endsWith(' /{*path}'));
    expect(served).toEqual(matrix.map((row) => row.route).sort());
  });

  it('has a probe for every row', () => {
    expect(matrix.map((row) => row.route).filter((route) => !PROBES[route])).toEqual([]);
    expect(Object.keys(PROBES).filter((route) => !matrix.some((row) => row.route === route))).toEqual([]);
  });

  it.each(matrix.map((row) => [row.route, row] as const))('%s answers every caller as the table says', async (_route, row) => {
    const { probe, scoped } = PROBES[row.route];
    const observed: string[] = [];
    const expected: string[] = [];
    for (const caller of CALLERS) {
      const cell = row.cells[caller];
      if (cell.outOfScope !== null && !scoped) throw new Error(`${row.route}: the table gives an out-of-scope answer for a route without scope`);
      expected.push(`${caller}: in ${cell.inScope}`);
      observed.push(`${caller}: in ${await probe(caller, 'in')}`);
      if (scoped) {
        // A refusal (one value) must hold for the other agency's resource too.
        expected.push(`${caller}: out ${cell.outOfScope ?? cell.inScope}`);
        observed.push(`${caller}: out ${await probe(caller, 'out')}`);
      }
    }
    expect(observed).toEqual(expected);
  });
});
