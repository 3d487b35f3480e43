import { AgencyRef, DossierEvent, parseRfc3339, ProcedureRef } from '@dvc/contracts';
import { latestReferences } from './reference-data';
import { permutations } from './testing/dossier-events';

const HUNG_YEN = 'urn:dvc:motcua:hung-yen';
const QUOC_GIA = 'urn:dvc:dichvucong:quoc-gia'; // sorts before HUNG_YEN

const VAN_LAM_OLD: AgencyRef = { code: '000.00.17.H31', name: 'UBND huyện Văn Lâm', level: 'district', parentCode: '000.00.00.H31' };
const VAN_LAM_NEW: AgencyRef = { code: '000.00.17.H31', name: 'Ủy ban nhân dân huyện Văn Lâm', level: 'district', parentCode: '000.00.00.H31' };
const MY_HAO: AgencyRef = { code: '000.00.18.H31', name: 'UBND thị xã Mỹ Hào', level: 'district', parentCode: '000.00.00.H31' };
const KHAI_SINH_OLD: ProcedureRef = { code: '1.001612', name: 'Đăng ký khai sinh', sector: 'Hộ tịch', onlineLevel: 'partial' };
const KHAI_SINH_NEW: ProcedureRef = { code: '1.001612', name: 'Đăng ký khai sinh', sector: 'Hộ tịch', onlineLevel: 'full' };
const KET_HON: ProcedureRef = { code: '1.000894', name: 'Đăng ký kết hôn', sector: 'Hộ tịch', onlineLevel: 'partial' };

/** A paid event (any kind carries the context) at Vietnam's wall-clock `time`. */
function event(id: string, time: string, agency: AgencyRef, procedure: ProcedureRef, source = HUNG_YEN): DossierEvent {
  const instant = parseRfc3339(`${time}+07:00`);
  return {
    kind: 'paid',
    id,
    source,
    time: instant,
    dossierCode: `${agency.code}-250304-0012`,
    procedure,
    agency,
    applicantType: null,
    paidAt: instant,
    amountVnd: 8000,
    method: 'online',
  };
}

/** The maps as plain `code → value` objects, for comparison. */
function valuesOf(events: Iterable<DossierEvent>) {
  const { agencies, procedures } = latestReferences(events);
  return {
    agencies: Object.fromEntries([...agencies].map(([code, ref]) => [code, ref.value])),
    procedures: Object.fromEntries([...procedures].map(([code, ref]) => [code, ref.value])),
  };
}

describe('latestReferences', () => {
  it('is empty for no events', () => {
    const { agencies, procedures } = latestReferences([]);
    expect(agencies.size).toBe(0);
    expect(procedures.size).toBe(0);
  });

  it('keeps the attributes of the latest event per code, in every order', () => {
    // The agency is renamed and the procedure becomes fully online on 2025-03-05; Mỹ Hào and Kết hôn
    // appear once. The latest event overall (e4) is not the latest one for Văn Lâm (e3).
    const events = [
      event('motcua-hy-000101', '2025-03-04T08:30:00', VAN_LAM_OLD, KHAI_SINH_OLD),
      event('motcua-hy-000102', '2025-03-05T08:30:00', VAN_LAM_NEW, KET_HON),
      event('motcua-hy-000103', '2025-03-05T09:00:00', VAN_LAM_NEW, KHAI_SINH_NEW),
      event('motcua-mh-000104', '2025-03-06T09:00:00', MY_HAO, KHAI_SINH_NEW),
      event('motcua-hy-000100', '2025-03-03T08:00:00', VAN_LAM_OLD, KHAI_SINH_OLD),
    ];
    const expected = {
      agencies: { '000.00.17.H31': VAN_LAM_NEW, '000.00.18.H31': MY_HAO },
      procedures: { '1.001612': KHAI_SINH_NEW, '1.000894': KET_HON },
    };
    let orders = 0;
    for (const order of permutations(events)) {
      expect(valuesOf(order)).toEqual(expected);
      orders++;
    }
    expect(orders).toBe(120);
  });

  it("records the winning event's stamp", () => {
    const { agencies, procedures } = latestReferences([
      event('motcua-hy-000103', '2025-03-05T09:00:00', VAN_LAM_NEW, KHAI_SINH_NEW),
      event('motcua-hy-000101', '2025-03-04T08:30:00', VAN_LAM_OLD, KHAI_SINH_OLD),
    ]);
    const stamp = { time: '2025-03-05T02:00:00.000000000Z', id: 'motcua-hy-000103', source: HUNG_YEN };
    expect(agencies.get('000.00.17.H31')).toEqual({ stamp, value: VAN_LAM_NEW });
    expect(procedures.get('1.001612')).toEqual({ stamp, value: KHAI_SINH_NEW });
  });

  it('breaks a tie on time with the greater id, in both orders', () => {
    const lower = event('motcua-hy-000101', '2025-03-04T08:30:00', VAN_LAM_NEW, KHAI_SINH_NEW);
    const greater = event('motcua-hy-000102', '2025-03-04T08:30:00', VAN_LAM_OLD, KHAI_SINH_OLD);
    for (const order of [[lower, greater], [greater, lower]]) {
      expect(valuesOf(order)).toEqual({ agencies: { '000.00.17.H31': VAN_LAM_OLD }, procedures: { '1.001612': KHAI_SINH_OLD } });
    }
  });

  it('breaks a tie on time and id with the greater source, in both orders', () => {
    const national = event('G-7781', '2025-03-04T08:30:00', VAN_LAM_OLD, KHAI_SINH_OLD, QUOC_GIA);
    const provincial = event('G-7781', '2025-03-04T08:30:00', VAN_LAM_NEW, KHAI_SINH_NEW, HUNG_YEN);
    for (const order of [[national, provincial], [provincial, national]]) {
      expect(valuesOf(order)).toEqual({ agencies: { '000.00.17.H31': VAN_LAM_NEW }, procedures: { '1.001612': KHAI_SINH_NEW } });
    }
  });

  it('compares codes exactly', () => {
    const lowerCase: AgencyRef = { ...MY_HAO, code: '000.00.18.h31' };
    const { agencies } = latestReferences([
      event('motcua-mh-000104', '2025-03-06T09:00:00', MY_HAO, KET_HON),
      event('motcua-mh-000105', '2025-03-07T09:00:00', lowerCase, KET_HON),
    ]);
    expect([...agencies.keys()].sort()).toEqual(['000.00.18.H31', '000.00.18.h31']);
  });

  it('accepts any iterable, such as a generator', () => {
    function* stream() {
      yield event('motcua-hy-000101', '2025-03-04T08:30:00', VAN_LAM_OLD, KHAI_SINH_OLD);
      yield event('motcua-hy-000103', '2025-03-05T09:00:00', VAN_LAM_NEW, KHAI_SINH_NEW);
    }
    expect(valuesOf(stream())).toEqual({ agencies: { '000.00.17.H31': VAN_LAM_NEW }, procedures: { '1.001612': KHAI_SINH_NEW } });
  });
});
