import { DossierEventKind } from './dossier-event';
import { exampleCloudEvent } from './example-events';
import { LIMITS } from './limits';
import { validateCloudEvent } from './validate-event';
import { Rejection } from './validation-result';

/** The example event of `kind` with the dotted `path` set to `value` (removed when `undefined`). */
function exampleWith(path: string, value: unknown, kind: DossierEventKind = 'received'): Record<string, unknown> {
  const event = exampleCloudEvent(kind) as unknown as Record<string, any>;
  const keys = path.split('.');
  const parent = keys.slice(0, -1).reduce((node, key) => node[key], event);
  if (value === undefined) delete parent[keys[keys.length - 1]];
  else parent[keys[keys.length - 1]] = value;
  return event;
}

function rejectionOf(input: unknown): Rejection {
  const result = validateCloudEvent(input);
  if (result.ok) throw new Error('the event was accepted');
  return result.rejection;
}

describe('validateCloudEvent: rejections', () => {
  it.each<[string, unknown, DossierEventKind, string]>([
    ['specversion', '0.3', 'received', 'specversion must be "1.0" (got "0.3")'],
    ['specversion', 1, 'received', 'specversion must be "1.0" (got 1)'],
    ['id', '', 'received', 'id must not be empty'],
    ['id', 42, 'received', 'id must be a string of 1–256 characters (got 42)'],
    ['id', 'i'.repeat(LIMITS.id + 1), 'received', 'id must be at most 256 characters (got 257)'],
    ['source', 'urn:dvc:motcua hung-yen', 'received', 'source must be a URI-reference, without whitespace or control characters (got "urn:dvc:motcua hung-yen")'],
    ['source', 'urn:dvc:motcua\n', 'received', 'source must be a URI-reference, without whitespace or control characters (got "urn:dvc:motcua\\n")'],
    ['id', 'motcua-1\r\nce_type: vn.gov.dvc.dossier.paid.v1', 'received', 'id must not contain control characters (U+0000–U+001F, U+007F–U+009F) (got "motcua-1\\r\\nce_type: vn.gov.dvc.dossier.paid.v1")'],
    ['id', 'motcua-\u001b[31m1', 'received', 'id must not contain control characters (U+0000–U+001F, U+007F–U+009F) (got "motcua-\\u001b[31m1")'],
    ['id', 'motcua-\ud800', 'received', 'id must not contain an unpaired surrogate (U+D800–U+DFFF)'],
    ['source', 's'.repeat(LIMITS.source + 1), 'received', 'source must be at most 1024 characters (got 1025)'],
    ['type', 'vn.gov.dvc.dossier.received.v2', 'received', 'type must be one of vn.gov.dvc.dossier.received.v1, vn.gov.dvc.dossier.completed.v1, vn.gov.dvc.dossier.paid.v1, vn.gov.dvc.dossier.withdrawn.v1 (got "vn.gov.dvc.dossier.received.v2")'],
    ['time', '2025-03-04T08:30:00', 'received', 'time must be an RFC 3339 date-time with an offset, e.g. 2025-03-04T08:30:00+07:00 (got "2025-03-04T08:30:00": the offset (Z or ±hh:mm) is missing)'],
    ['time', 1741051800000, 'received', 'time must be an RFC 3339 date-time with an offset, e.g. 2025-03-04T08:30:00+07:00 (got 1741051800000)'],
    ['time', undefined, 'received', 'time is missing; it must be an RFC 3339 date-time with an offset, e.g. 2025-03-04T08:30:00+07:00'],
    ['subject', undefined, 'received', 'subject is missing; it must be a string of 1–64 characters'],
    ['subject', '000.00.17.H31-250304-0013', 'received', 'subject must equal data.dossierCode "000.00.17.H31-250304-0012" (got "000.00.17.H31-250304-0013")'],
    ['subject', '000.00.17.H31-250304-0012\n', 'received', 'subject must not contain control characters (U+0000–U+001F, U+007F–U+009F) (got "000.00.17.H31-250304-0012\\n")'],
    ['datacontenttype', 'application/json\r\n', 'received', 'datacontenttype must be application/json when present (got "application/json\\r\\n")'],
    ['datacontenttype', 'text/plain', 'received', 'datacontenttype must be application/json when present (got "text/plain")'],
    ['data', undefined, 'received', 'data is missing; it must be an object'],
    ['data', [], 'received', 'data must be an object (got an array)'],
    ['data.dossierCode', 'x'.repeat(65), 'received', 'data.dossierCode must be at most 64 characters (got 65)'],
    ['data.procedure', 'Đăng ký khai sinh', 'received', 'data.procedure must be an object (got "Đăng ký khai sinh")'],
    ['data.procedure.code', 1001612, 'received', 'data.procedure.code must be a string of 1–64 characters (got 1001612)'],
    ['data.procedure.code', '', 'received', 'data.procedure.code must not be empty'],
    ['data.procedure.code', 'c'.repeat(65), 'received', 'data.procedure.code must be at most 64 characters (got 65)'],
    ['data.procedure.name', null, 'received', 'data.procedure.name must be a string of at most 512 characters (got null)'],
    ['data.procedure.name', 'n'.repeat(513), 'received', 'data.procedure.name must be at most 512 characters (got 513)'],
    ['data.procedure.name', 'Đăng ký\u0000', 'received', 'data.procedure.name must not contain the character U+0000'],
    ['data.procedure.name', 'Đăng ký \udc00khai sinh', 'received', 'data.procedure.name must not contain an unpaired surrogate (U+D800–U+DFFF)'],
    ['data.agency.code', '000.00.17.H31\ud83d', 'received', 'data.agency.code must not contain an unpaired surrogate (U+D800–U+DFFF)'],
    ['data.procedure.sector', 's'.repeat(257), 'received', 'data.procedure.sector must be at most 256 characters (got 257)'],
    ['data.procedure.onlineLevel', 'FULL', 'received', 'data.procedure.onlineLevel must be one of full, partial, none (got "FULL")'],
    ['data.procedure.onlineLevel', 4, 'received', 'data.procedure.onlineLevel must be one of full, partial, none (got 4)'],
    ['data.agency.code', 'a'.repeat(65), 'received', 'data.agency.code must be at most 64 characters (got 65)'],
    ['data.agency.name', undefined, 'received', 'data.agency.name is missing; it must be a string of at most 512 characters'],
    ['data.agency.level', 'huyện', 'received', 'data.agency.level must be one of ministry, province, department, district, commune, other (got "huyện")'],
    ['data.agency.parentCode', '', 'received', 'data.agency.parentCode must not be empty'],
    ['data.agency.parentCode', 'p'.repeat(65), 'received', 'data.agency.parentCode must be at most 64 characters (got 65)'],
    ['data.applicant', 'citizen', 'received', 'data.applicant must be an object (got "citizen")'],
    ['data.channel', 'web', 'received', 'data.channel must be one of online, in_person, postal (got "web")'],
    ['data.channel', undefined, 'received', 'data.channel is missing; it must be one of online, in_person, postal'],
    ['data.receivedAt', '2025-02-30T08:30:00+07:00', 'received', 'data.receivedAt must be an RFC 3339 date-time with an offset, e.g. 2025-03-04T08:30:00+07:00 (got "2025-02-30T08:30:00+07:00": 2025-02-30 is not a calendar date)'],
    ['data.dueAt', '2025-03-10', 'received', 'data.dueAt must be an RFC 3339 date-time with an offset, e.g. 2025-03-04T08:30:00+07:00 (got "2025-03-10": not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm))'],
    ['data.completedAt', undefined, 'completed', 'data.completedAt is missing; it must be an RFC 3339 date-time with an offset, e.g. 2025-03-04T08:30:00+07:00'],
    ['data.outcome', 'cancelled', 'completed', 'data.outcome must be one of approved, rejected, returned (got "cancelled")'],
    ['data.dueAt', '2016-12-31T23:59:60Z', 'completed', 'data.dueAt must be an RFC 3339 date-time with an offset, e.g. 2025-03-04T08:30:00+07:00 (got "2016-12-31T23:59:60Z": leap seconds (second 60) are not accepted)'],
    ['data.paidAt', '2025-03-04T08:45:00.1234567891+07:00', 'paid', 'data.paidAt must be an RFC 3339 date-time with an offset, e.g. 2025-03-04T08:30:00+07:00 (got "2025-03-04T08:45:00.1234567891+07:00": at most 9 fraction digits are accepted)'],
    ['data.amountVnd', '8000', 'paid', 'data.amountVnd must be an integer from 0 to 9007199254740991 (got "8000")'],
    ['data.amountVnd', -1, 'paid', 'data.amountVnd must be an integer from 0 to 9007199254740991 (got -1)'],
    ['data.amountVnd', 8000.5, 'paid', 'data.amountVnd must be an integer from 0 to 9007199254740991 (got 8000.5)'],
    ['data.amountVnd', 2 ** 53, 'paid', 'data.amountVnd must be an integer from 0 to 9007199254740991 (got 9007199254740992)'],
    ['data.method', 'cash', 'paid', 'data.method must be one of online, offline (got "cash")'],
    ['data.withdrawnAt', '2025-03-05T14:00:00+25:00', 'withdrawn', 'data.withdrawnAt must be an RFC 3339 date-time with an offset, e.g. 2025-03-04T08:30:00+07:00 (got "2025-03-05T14:00:00+25:00": offset +25:00 is out of range ±00:00–±23:59)'],
  ])('%s = %j in a %s event', (path, value, kind, reason) => {
    expect(rejectionOf(exampleWith(path, value, kind))).toEqual({ field: path, reason });
  });

  it('rejects an unknown applicant type', () => {
    expect(rejectionOf(exampleWith('data.applicant', { type: 'person' }))).toEqual({
      field: 'data.applicant.type',
      reason: 'data.applicant.type must be one of citizen, business, organization (got "person")',
    });
  });

  it('takes a surrogate pair (an emoji) as one character, not a lone half', () => {
    expect(validateCloudEvent(exampleWith('data.procedure.name', 'Đăng ký khai sinh 👶')).ok).toBe(true);
  });

  it('rejects a subject longer than a code can be', () => {
    expect(rejectionOf(exampleWith('subject', 'x'.repeat(65))).field).toBe('subject');
  });

  it('names the first failing field in attribute order, then data order', () => {
    const event = exampleWith('type', 'vn.gov.dvc.dossier.opened.v1');
    (event.data as Record<string, unknown>).channel = 'web';
    event.time = 'yesterday';
    expect(rejectionOf(event).field).toBe('type');
    const data = exampleWith('data.channel', 'web');
    (data.data as Record<string, any>).procedure.onlineLevel = 'some';
    expect(rejectionOf(data).field).toBe('data.procedure.onlineLevel');
  });

  it.each([null, [], 'event', 42, undefined])('rejects %j as a whole, not being an object', (input) => {
    expect(rejectionOf(input)).toEqual({ field: null, reason: expect.stringMatching(/^the event must be a JSON object/) });
  });

  it('rejects an oversize event, even when the excess is in ignored fields', () => {
    const event = exampleWith('data.notes', 'ghi chú '.repeat(9000));
    expect(rejectionOf(event)).toEqual({
      field: null,
      reason: expect.stringMatching(/^the event is \d+ bytes, more than the limit of 65536 bytes$/),
    });
    expect(validateCloudEvent(exampleCloudEvent(), { sizeBytes: LIMITS.eventBytes + 1 })).toEqual({
      ok: false,
      rejection: { field: null, reason: 'the event is 65537 bytes, more than the limit of 65536 bytes' },
    });
    expect(validateCloudEvent(exampleCloudEvent(), { sizeBytes: LIMITS.eventBytes }).ok).toBe(true);
  });

  it('measures oversize in UTF-8 bytes, not UTF-16 units', () => {
    // 22,000 "ộ" are 22,000 units but 66,000 bytes.
    expect(rejectionOf(exampleWith('data.notes', 'ộ'.repeat(22_000))).field).toBeNull();
    expect(validateCloudEvent(exampleWith('data.notes', 'o'.repeat(22_000))).ok).toBe(true);
  });
});
