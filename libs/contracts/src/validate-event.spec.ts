import { CloudEventV1 } from './cloud-event';
import { DossierEvent } from './dossier-event';
import { EXAMPLE_DOSSIER_CODE, exampleCloudEvent } from './example-events';
import { validateCloudEvent } from './validate-event';

function accept(input: unknown): DossierEvent {
  const result = validateCloudEvent(input);
  if (!result.ok) throw new Error(`rejected: ${JSON.stringify(result.rejection)}`);
  return result.event;
}

const CONTEXT = {
  dossierCode: EXAMPLE_DOSSIER_CODE,
  procedure: { code: '1.001612', name: 'Đăng ký khai sinh', sector: 'Hộ tịch', onlineLevel: 'full' },
  agency: { code: '000.00.17.H31', name: 'UBND huyện Văn Lâm', level: 'district', parentCode: '000.00.00.H31' },
  applicantType: null,
};

describe('validateCloudEvent: the canonical event', () => {
  it('turns a received event into the canonical shape, times in UTC', () => {
    expect(accept(exampleCloudEvent('received'))).toEqual({
      kind: 'received',
      id: 'motcua-hy-received-0001',
      source: 'urn:dvc:motcua:hung-yen',
      time: '2025-03-04T01:30:00.000000000Z',
      ...CONTEXT,
      channel: 'online',
      receivedAt: '2025-03-04T01:30:00.000000000Z',
      dueAt: '2025-03-10T10:00:00.000000000Z',
    });
  });

  it('turns completed, paid and withdrawn events into their canonical shapes', () => {
    const base = { source: 'urn:dvc:motcua:hung-yen', ...CONTEXT };
    expect(accept(exampleCloudEvent('completed'))).toEqual({
      kind: 'completed',
      id: 'motcua-hy-completed-0001',
      time: '2025-03-07T03:15:00.000000000Z',
      ...base,
      completedAt: '2025-03-07T03:15:00.000000000Z',
      dueAt: null,
      outcome: 'approved',
    });
    expect(accept(exampleCloudEvent('paid'))).toEqual({
      kind: 'paid',
      id: 'motcua-hy-paid-0001',
      time: '2025-03-04T01:45:00.000000000Z',
      ...base,
      paidAt: '2025-03-04T01:45:00.000000000Z',
      amountVnd: 8000,
      method: 'online',
    });
    expect(accept(exampleCloudEvent('withdrawn'))).toEqual({
      kind: 'withdrawn',
      id: 'motcua-hy-withdrawn-0001',
      time: '2025-03-05T07:00:00.000000000Z',
      ...base,
      withdrawnAt: '2025-03-05T07:00:00.000000000Z',
    });
  });

  it('stores names and sector in NFC, whatever normal form they came in', () => {
    const ev = exampleCloudEvent();
    ev.data.procedure.name = 'Đăng ký khai sinh'.normalize('NFD');
    ev.data.procedure.sector = 'Hộ tịch'.normalize('NFD');
    ev.data.agency.name = 'UBND huyện Văn Lâm'.normalize('NFD');
    expect(ev.data.procedure.sector).not.toBe('Hộ tịch'.normalize('NFC'));
    const event = accept(ev);
    expect(event.procedure.name).toBe('Đăng ký khai sinh'.normalize('NFC'));
    expect(event.procedure.sector).toBe('Hộ tịch'.normalize('NFC'));
    expect(event.agency.name).toBe('UBND huyện Văn Lâm'.normalize('NFC'));
  });

  it('keeps codes exactly as sent: nothing trimmed, nothing normalised', () => {
    const ev = exampleCloudEvent();
    ev.data.procedure.code = ' 1.001612 ';
    ev.data.agency.code = 'Hộ'.normalize('NFD');
    expect(accept(ev).procedure.code).toBe(' 1.001612 ');
    expect(accept(ev).agency.code).toBe('Hộ'.normalize('NFD'));
  });

  it('drops unknown data fields and ignores extension attributes', () => {
    const ev = exampleCloudEvent() as CloudEventV1<Record<string, any>>;
    ev.data.applicantName = 'Nguyễn Văn A';
    ev.data.procedure.fee = 8000;
    ev.data.agency.address = 'Như Quỳnh';
    ev.traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    ev.partitionkey = EXAMPLE_DOSSIER_CODE;
    const event = accept(ev);
    expect(event).toEqual(accept(exampleCloudEvent()));
    expect(JSON.stringify(event)).not.toMatch(/Nguyễn|fee|address|traceparent|partitionkey/);
  });

  it('reads the optional fields: absent or null mean not given', () => {
    const ev = exampleCloudEvent() as CloudEventV1<Record<string, any>>;
    delete ev.data.dueAt;
    delete ev.data.agency.parentCode;
    delete ev.datacontenttype;
    expect(accept(ev)).toMatchObject({ dueAt: null, agency: { parentCode: null }, applicantType: null });
    ev.data.dueAt = null;
    ev.data.agency.parentCode = null;
    ev.data.applicant = { type: 'business' };
    expect(accept(ev)).toMatchObject({ dueAt: null, agency: { parentCode: null }, applicantType: 'business' });
    ev.data.applicant = {};
    expect(accept(ev).applicantType).toBeNull();
    ev.data.applicant = null;
    expect(accept(ev).applicantType).toBeNull();
  });

  it('accepts completed events without dueAt or outcome, and a dueAt when given', () => {
    const ev = exampleCloudEvent('completed') as CloudEventV1<Record<string, any>>;
    delete ev.data.outcome;
    expect(accept(ev)).toMatchObject({ dueAt: null, outcome: null });
    ev.data.dueAt = '2025-03-07T17:00:00+07:00';
    ev.data.outcome = 'returned';
    expect(accept(ev)).toMatchObject({ dueAt: '2025-03-07T10:00:00.000000000Z', outcome: 'returned' });
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON;charset=UTF-8',
  ])('accepts datacontenttype %j', (contentType) => {
    const ev = exampleCloudEvent();
    ev.datacontenttype = contentType;
    expect(validateCloudEvent(ev).ok).toBe(true);
  });

  it.each(['urn:dvc:motcua:hung-yen', 'https://motcua.hungyen.gov.vn/api', '/motcua/hung-yen', 'motcua'])(
    'accepts the source %j',
    (source) => {
      const ev = exampleCloudEvent();
      ev.source = source;
      expect(accept(ev).source).toBe(source);
    },
  );

  it('accepts a paid amount of 0 and the largest safe integer', () => {
    const ev = exampleCloudEvent('paid') as CloudEventV1<Record<string, any>>;
    ev.data.amountVnd = 0;
    expect(accept(ev)).toMatchObject({ amountVnd: 0 });
    ev.data.amountVnd = Number.MAX_SAFE_INTEGER;
    expect(accept(ev)).toMatchObject({ amountVnd: Number.MAX_SAFE_INTEGER });
  });

  it('accepts codes and names at their limits, counted in code points after NFC', () => {
    const ev = exampleCloudEvent();
    const code = 'x'.repeat(64);
    ev.subject = code;
    ev.data.dossierCode = code;
    ev.data.agency.code = '𝒳'.repeat(64); // 128 UTF-16 units, 64 characters
    ev.id = 'i'.repeat(256);
    ev.source = 's'.repeat(1024);
    ev.data.procedure.name = 'ộ'.normalize('NFD').repeat(512); // 1536 units in NFD, 512 in NFC
    ev.data.procedure.sector = 'ộ'.repeat(256);
    ev.data.agency.name = '';
    expect(accept(ev).procedure.name).toBe('ộ'.repeat(512));
  });
});
