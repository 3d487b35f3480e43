import { BadRequestException } from '@nestjs/common';
import { ZodBodyPipe } from '../pipes/zod-body.pipe';
import { ZodQueryPipe } from '../pipes/zod-query.pipe';
import { encodeCursor } from '../utils/cursor.util';
import { createTargetBodySchema, effectiveTargetsQuerySchema, targetsQuerySchema, updateTargetBodySchema } from './targets-input.dto';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return ((error as BadRequestException).getResponse() as { message: string }).message;
  }
  throw new Error('expected a 400');
}

describe('target request bodies', () => {
  const create = new ZodBodyPipe(createTargetBodySchema);
  const update = new ZodBodyPipe(updateTargetBodySchema);
  const base = { metric: 'onlineRate', threshold: 0.3, severity: 'warning' };

  it('reads every scope kind, trims codes, and defaults includeSubtree to false and enabled/note to absent', () => {
    expect(create.transform({ ...base, scope: { kind: 'agency', agencyCode: '  A.1 ' } })).toEqual({
      ...base,
      scope: { kind: 'agency', agencyCode: 'A.1', includeSubtree: false },
    });
    expect(create.transform({ ...base, scope: { kind: 'agencyProcedure', agencyCode: 'A', procedureCode: ' 1.001612' } }).scope).toEqual({
      kind: 'agencyProcedure',
      agencyCode: 'A',
      procedureCode: '1.001612',
    });
    expect(create.transform({ ...base, scope: { kind: 'agencyLevel', agencyLevel: 'commune' }, enabled: false, note: null })).toMatchObject({
      enabled: false,
      note: null,
    });
    expect(create.transform({ ...base, threshold: 0, scope: { kind: 'all' } }).threshold).toBe(0);
    expect(create.transform({ ...base, threshold: 1, scope: { kind: 'onlineLevel', onlineLevel: 'partial' } }).threshold).toBe(1);
  });

  it.each([
    [{ ...base, scope: { kind: 'all' }, threshold: 1.01 }, 'threshold: must be from 0 to 1 (a ratio, e.g. 0.5 for 50%)'],
    [{ ...base, scope: { kind: 'all' }, threshold: '0.5' }, 'threshold: "0.5" is not a number; give a ratio from 0 to 1, e.g. 0.5'],
    [{ ...base, scope: { kind: 'all', agencyCode: 'A' } }, 'scope.agencyCode: unknown property; an "all" scope has kind'],
    [{ ...base, scope: { kind: 'procedure', agencyCode: 'A' } }, 'scope.procedureCode: is required; give the exact code; scope.agencyCode: unknown property; a "procedure" scope has kind, procedureCode'],
    [{ ...base, scope: { kind: 'agency', agencyCode: '   ' } }, 'scope.agencyCode: must not be empty or blank; give the exact code'],
    [{ ...base, scope: { kind: 'onlineLevel', onlineLevel: 'none' } }, 'scope.onlineLevel: "none" is not allowed; use one of full, partial'],
    [{ ...base, scope: { kind: 'province' } }, 'scope.kind: "province" is not allowed; use one of all, agencyLevel, onlineLevel, agency, procedure, agencyProcedure'],
    [{ ...base, scope: { kind: 'all' }, colour: 'red' }, 'colour: unknown property; a target has scope, metric, threshold, severity, enabled, note'],
    [{ ...base }, 'scope: is required; an object with kind and the fields of that kind'],
  ])('refuses %j precisely', (body, message) => {
    expect(messageOf(() => create.transform(body))).toBe(message);
  });

  it('needs the version and something to change on update', () => {
    expect(update.transform({ version: 3, note: null })).toEqual({ version: 3, note: null });
    expect(messageOf(() => update.transform({ threshold: 0.2 }))).toMatch(/^version: is required/);
    expect(messageOf(() => update.transform({ version: 1 }))).toBe('body: nothing to change; give at least one of threshold, severity, enabled, note');
    expect(messageOf(() => update.transform({ version: 1, metric: 'onTimeRate' }))).toMatch(/^metric: unknown property/);
  });
});

describe('target queries', () => {
  it('pages the list with a strict cursor', () => {
    const pipe = new ZodQueryPipe(targetsQuerySchema);
    const cursor = encodeCursor(['2025-03-01T00:00:00.123456Z', '0b0e7d8a-8a43-4c5e-9f1e-6f7b0f0f9a10']);
    expect(pipe.transform({ cursor, scopeKind: 'agency' })).toMatchObject({
      scopeKind: 'agency',
      cursor: { createdAt: '2025-03-01T00:00:00.123456Z', id: '0b0e7d8a-8a43-4c5e-9f1e-6f7b0f0f9a10' },
    });
    expect(messageOf(() => pipe.transform({ cursor: encodeCursor(['x', 'y']) }))).toMatch(/^cursor: /);
    expect(messageOf(() => pipe.transform({ scopeKind: 'x' }))).toMatch(/^scopeKind: "x" is not allowed/);
  });

  it('needs an agency for the effective targets', () => {
    const pipe = new ZodQueryPipe(effectiveTargetsQuerySchema);
    expect(pipe.transform({ agency: 'A', procedure: 'P' })).toEqual({ agency: 'A', procedure: 'P' });
    expect(messageOf(() => pipe.transform({ procedure: 'P' }))).toBe('agency: is required: the agency whose targets to resolve');
    expect(messageOf(() => pipe.transform({ agency: 'A', metric: 'paidRate' }))).toMatch(/^metric: "paidRate" is not allowed/);
  });
});
