import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CALLERS = ['province-operator', 'agency-admin', 'viewer', 'integrator', 'no role', 'no token'] as const;
export type Caller = (typeof CALLERS)[number];

/** What one cell expects: the answer inside the caller's scope, and outside it when scope applies. */
export interface Expectation {
  inScope: string;
  outOfScope: string | null;
}

export interface MatrixRow {
  route: string;
  permission: string;
  cells: Record<Caller, Expectation>;
}

const MATRIX_FILE = join(__dirname, '..', '..', '..', 'docs', 'security.md');

/** The matrix table of docs/security.md, between its markers: the single source of what every role may do. */
export function readAuthorizationMatrix(file = MATRIX_FILE): MatrixRow[] {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf('<!-- authorization-matrix:start -->');
  const end = text.indexOf('<!-- authorization-matrix:end -->');
  if (start < 0 || end < start) throw new Error(`${file}: the authorization matrix markers are missing`);
  const lines = text
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|'));
  const header = cellsOf(lines[0]);
  const expectedHeader = ['route', 'permission', ...CALLERS];
  if (JSON.stringify(header) !== JSON.stringify(expectedHeader)) {
    throw new Error(`${file}: the matrix header must be ${expectedHeader.join(' | ')}, not ${header.join(' | ')}`);
  }
  return lines.slice(2).map((line) => {
    const [route, permission, ...cells] = cellsOf(line);
    if (cells.length !== CALLERS.length) throw new Error(`${file}: row ${route} has ${cells.length} caller cells`);
    return {
      route: route.replace(/`/g, ''),
      permission,
      cells: Object.fromEntries(CALLERS.map((caller, index) => [caller, expectationOf(cells[index], route)])) as Record<Caller, Expectation>,
    };
  });
}

function cellsOf(line: string): string[] {
  return line
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

function expectationOf(cell: string, route: string): Expectation {
  const parts = cell.split('·').map((part) => part.trim());
  const valid = (part: string) => /^(\d{3}|filtered)$/.test(part);
  if (parts.length > 2 || !parts.every(valid)) throw new Error(`matrix row ${route}: cannot read the cell "${cell}"`);
  return { inScope: parts[0], outOfScope: parts[1] ?? null };
}
