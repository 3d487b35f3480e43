import { BadRequestException } from '@nestjs/common';
import { ZodBodyPipe } from '../pipes/zod-body.pipe';
import { ZodQueryPipe } from '../pipes/zod-query.pipe';
import { encodeCursor } from '../utils/cursor.util';
import { acknowledgeBodySchema, alertsQuerySchema } from './alerts-input.dto';
import { createRecipientBodySchema, recipientsQuerySchema } from './recipients-input.dto';
import { zeroUptakeQuerySchema } from './zero-uptake-query.dto';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return ((error as BadRequestException).getResponse() as { message: string }).message;
  }
  throw new Error('expected a 400');
}

describe('GET /v1/alerts query', () => {
  const pipe = new ZodQueryPipe(alertsQuerySchema);
  const UUID = '0b0e0c4e-1b8f-4a57-9f7e-0c3c7b2a9d11';

  it('defaults to the open alerts and normalises the rest', () => {
    expect(pipe.transform({})).toEqual({
      statuses: ['firing', 'acknowledged'],
      kind: null,
      severity: null,
      metric: null,
      agency: null,
      subtree: false,
      procedure: null,
      windowKind: null,
      openedFrom: null,
      openedTo: null,
      limit: 100,
      after: null,
    });
  });

  it('reads status lists and aliases, in lifecycle order', () => {
    expect(pipe.transform({ status: 'resolved,firing' }).statuses).toEqual(['firing', 'resolved']);
    expect(pipe.transform({ status: 'all' }).statuses).toEqual(['firing', 'acknowledged', 'resolved']);
    expect(pipe.transform({ status: 'open' }).statuses).toEqual(['firing', 'acknowledged']);
    expect(pipe.transform({ status: 'acknowledged' }).statuses).toEqual(['acknowledged']);
  });

  it('reads days as Asia/Ho_Chi_Minh days, both bounds inclusive, and instants with their offset', () => {
    const query = pipe.transform({ openedFrom: '2025-03-01', openedTo: '2025-03-31' });
    expect(query.openedFrom).toBe('2025-02-28T17:00:00.000000000Z');
    expect(query.openedTo).toBe('2025-03-31T16:59:59.999999000Z');
    expect(pipe.transform({ openedFrom: '2025-03-01T08:00:00+07:00' }).openedFrom).toBe('2025-03-01T01:00:00.000000000Z');
  });

  it('takes its own cursors and windows', () => {
    const cursor = encodeCursor(['2025-03-01T01:02:03.456789Z', UUID]);
    expect(pipe.transform({ cursor }).after).toEqual({ openedAt: '2025-03-01T01:02:03.456789Z', id: UUID });
    expect(pipe.transform({ window: 'rolling30d' }).windowKind).toBe('rolling30d');
    expect(pipe.transform({ kind: 'zeroUptake' }).kind).toBe('zeroUptake');
    expect(pipe.transform({ agency: 'A', subtree: 'true' })).toMatchObject({ agency: 'A', subtree: true });
  });

  it.each([
    [{ status: 'open,closed' }, 'status: "closed" is not a status; use a comma list of firing, acknowledged, resolved, or open (firing and acknowledged, the default) or all'],
    [{ severity: 'info' }, 'severity: "info" is not allowed; use one of critical, warning'],
    [{ kind: 'silent' }, 'kind: "silent" is not allowed; use one of belowTarget, zeroUptake, silentSource'],
    [{ window: 'rolling0d' }, 'window: "rolling0d" is not a window; use monthToDate or rolling<N>d such as rolling30d'],
    [{ subtree: 'true' }, 'subtree: needs agency, the root of the subtree; give agency or leave subtree out'],
    [{ openedFrom: '2025-03-02', openedTo: '2025-03-01' }, 'openedFrom: is after openedTo; openedFrom must not be after openedTo'],
    [{ openedFrom: '2025-03-01T08:00:00' }, 'openedFrom: "2025-03-01T08:00:00" is not a day (2025-03-01, Asia/Ho_Chi_Minh) or an RFC 3339 date-time with an offset (2025-03-01T08:00:00+07:00)'],
    [{ openedTo: '2025-02-30' }, 'openedTo: "2025-02-30" is not a day (2025-03-01, Asia/Ho_Chi_Minh) or an RFC 3339 date-time with an offset (2025-03-01T08:00:00+07:00)'],
    [{ cursor: encodeCursor(['2025-03-01', UUID]) }, 'cursor: is not a cursor this endpoint returned for these parameters; start again without cursor'],
    [{ colour: 'red' }, 'colour: unknown parameter; allowed: status, kind, severity, metric, agency, subtree, procedure, window, openedFrom, openedTo, limit, cursor'],
  ])('refuses %j precisely', (query, message) => {
    expect(messageOf(() => pipe.transform(query))).toBe(message);
  });
});

describe('acknowledge body', () => {
  const pipe = new ZodBodyPipe(acknowledgeBodySchema);

  it('needs a comment that is not blank, and nothing else', () => {
    expect(pipe.transform({ comment: '  Đã giao phòng Tư pháp  ' })).toEqual({ comment: 'Đã giao phòng Tư pháp' });
    expect(messageOf(() => pipe.transform({}))).toBe('comment: is required: say what is being done about the alert (ghi chú xử lý)');
    expect(messageOf(() => pipe.transform({ comment: '   ' }))).toBe('comment: must not be empty or blank; say what is being done about the alert');
    expect(messageOf(() => pipe.transform({ comment: 5 }))).toBe('comment: 5 is not allowed; give a text');
    expect(messageOf(() => pipe.transform({ comment: 'x'.repeat(2001) }))).toBe('comment: must be at most 2000 characters');
    expect(messageOf(() => pipe.transform({ comment: 'ok', status: 'resolved' }))).toBe('status: unknown property; an acknowledgement has comment');
  });
});

describe('recipients', () => {
  const create = new ZodBodyPipe(createRecipientBodySchema);
  const query = new ZodQueryPipe(recipientsQuerySchema);

  it('trims, keeps the address as given, and makes a blank name no name', () => {
    expect(create.transform({ agencyCode: ' A.1 ', email: ' Nguyen.Van.A@HungYen.gov.vn ', name: ' Nguyễn Văn A ' })).toEqual({
      agencyCode: 'A.1',
      email: 'Nguyen.Van.A@HungYen.gov.vn',
      name: 'Nguyễn Văn A',
    });
    expect(create.transform({ agencyCode: 'A', email: 'a@b.vn', name: '  ' }).name).toBeNull();
    expect(create.transform({ agencyCode: 'A', email: 'a@b.vn' }).name).toBeNull();
  });

  it.each([
    [{ agencyCode: 'A', email: 'not-an-address' }, 'email: "not-an-address" is not an e-mail address (ASCII, like nguyen.van.a@hungyen.gov.vn)'],
    [{ agencyCode: 'A', email: 'a@b' }, 'email: "a@b" is not an e-mail address (ASCII, like nguyen.van.a@hungyen.gov.vn)'],
    [{ agencyCode: 'A' }, 'email: is required; the e-mail address to notify'],
    [{ email: 'a@b.vn' }, 'agencyCode: is required; give the exact code'],
    [{ agencyCode: 'A', email: 'a@b.vn', phone: '1' }, 'phone: unknown property; a recipient has agencyCode, email, name'],
  ])('refuses %j precisely', (body, message) => {
    expect(messageOf(() => create.transform(body))).toBe(message);
  });

  it('pages on agency and lower-case address', () => {
    expect(query.transform({ agency: 'A', cursor: encodeCursor(['A', 'a@b.vn']) })).toEqual({ agency: 'A', limit: 100, cursor: { agencyCode: 'A', email: 'a@b.vn' } });
    expect(messageOf(() => query.transform({ cursor: encodeCursor(['A']) }))).toMatch(/^cursor: is not a cursor/);
  });
});

describe('GET /v1/zero-uptake query', () => {
  const pipe = new ZodQueryPipe(zeroUptakeQuerySchema);

  it('defaults to months, at least one dossier, no bounds', () => {
    expect(pipe.transform({})).toEqual({
      period: 'month',
      fromDay: null,
      toDay: null,
      agency: null,
      subtree: false,
      minReceived: 1,
      limit: 100,
      after: null,
    });
    expect(pipe.transform({ period: 'quarter', from: '2025-02', to: '2025-Q2', minReceived: '5' })).toMatchObject({
      fromDay: '2025-02-01',
      toDay: '2025-06-30',
      minReceived: 5,
    });
  });

  it('reads its cursor for the same period kind only', () => {
    expect(pipe.transform({ cursor: encodeCursor(['2025-03', '12', 'A', '1.1']) }).after).toEqual({
      periodStart: '2025-03-01',
      received: 12,
      agencyCode: 'A',
      procedureCode: '1.1',
    });
    expect(messageOf(() => pipe.transform({ period: 'day', cursor: encodeCursor(['2025-03', '12', 'A', '1.1']) }))).toMatch(/^cursor: is not a cursor/);
    expect(messageOf(() => pipe.transform({ cursor: encodeCursor(['2025-03', '0', 'A', '1.1']) }))).toMatch(/^cursor: is not a cursor/);
  });

  it.each([
    [{ minReceived: '0' }, 'minReceived: "0" is not allowed; give a whole number of dossiers from 1 to 1000000000 (default 1)'],
    [{ minReceived: '1.5' }, 'minReceived: "1.5" is not allowed; give a whole number of dossiers from 1 to 1000000000 (default 1)'],
    [{ subtree: 'true' }, 'subtree: needs agency, the root of the subtree; give agency or leave subtree out'],
    [{ from: '2025-04', to: '2025-03' }, 'from: starts (2025-04-01) after to ends (2025-03-31); from must not be after to'],
    [{ period: 'week' }, 'period: "week" is not allowed; use one of day, month, quarter, year'],
  ])('refuses %j precisely', (query, message) => {
    expect(messageOf(() => pipe.transform(query))).toBe(message);
  });
});
