/**
 * A hand-made province and a stream of dossier events with everything the contract must survive:
 * corrections (some delivered before what they correct), ties on `time`, duplicates, shuffled
 * delivery, several time-zone offsets, timestamps next to midnight and month ends in Vietnam, binary
 * and structured Kafka modes, and invalid events. `groundTruth` computes the expected counts on its
 * own, from the raw events, without the project's domain code.
 */
export interface RawEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  data: Record<string, unknown>;
}

export interface Delivery {
  /** A valid event (to be counted), or the raw bytes of an invalid one (to be dead-lettered). */
  event?: RawEvent;
  invalidBytes?: string;
  binary: boolean;
  key: string;
}

export const AGENCIES = [
  { code: '000.00.00.H31', name: 'UBND tỉnh Hưng Yên', level: 'province', parentCode: null },
  { code: '000.00.10.H31', name: 'Sở Tư pháp', level: 'department', parentCode: '000.00.00.H31' },
  { code: '000.00.11.H31', name: 'Sở Xây dựng', level: 'department', parentCode: '000.00.00.H31' },
  { code: '000.00.17.H31', name: 'UBND huyện Văn Lâm', level: 'district', parentCode: '000.00.00.H31' },
  { code: '000.17.01.H31', name: 'UBND xã Lạc Hồng', level: 'commune', parentCode: '000.00.17.H31' },
  { code: '000.17.02.H31', name: 'UBND xã Như Quỳnh', level: 'commune', parentCode: '000.00.17.H31' },
];
const PROCEDURES = [
  { code: '1.001612', name: 'Đăng ký khai sinh', sector: 'Hộ tịch', onlineLevel: 'full' },
  { code: '1.000894', name: 'Đăng ký kết hôn', sector: 'Hộ tịch', onlineLevel: 'partial' },
  { code: '1.009972', name: 'Cấp giấy phép xây dựng', sector: 'Xây dựng', onlineLevel: 'partial' },
  { code: '2.000908', name: 'Chứng thực bản sao từ bản chính', sector: 'Chứng thực', onlineLevel: 'none' },
  { code: '1.010727', name: 'Cấp phiếu lý lịch tư pháp', sector: 'Lý lịch tư pháp', onlineLevel: 'full' },
];
export const ROOT_AGENCY = AGENCIES[0].code;
export const SOURCE = 'urn:dvc:motcua:hung-yen';
const TYPES = { received: 'vn.gov.dvc.dossier.received.v1', completed: 'vn.gov.dvc.dossier.completed.v1', paid: 'vn.gov.dvc.dossier.paid.v1', withdrawn: 'vn.gov.dvc.dossier.withdrawn.v1' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** mulberry32: a small seeded PRNG, so a failing run can be replayed exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** RFC 3339 with an explicit offset, e.g. `2025-03-31T23:59:59.123+07:00`. */
export function formatWithOffset(epochMs: number, offsetMinutes: number): string {
  const local = new Date(epochMs + offsetMinutes * 60_000).toISOString().slice(0, 23);
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * `around`: the instant (epoch ms) the dossiers cluster around: half within 3 hours of it, the rest within 10 days;
 * by default midnight of 2025-04-01 in Vietnam, a month end. Completions and payments follow up to 9 days later.
 */
export function generateScenario(options: { dossiers: number; seed: number; invalidShare?: number; duplicateShare?: number; binaryShare?: number; around?: number }): Delivery[] {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const offsets = [420, 0, -300, 540];
  const stamp = (ms: number) => formatWithOffset(ms, pick(offsets));
  // Around the end of March 2025 in Vietnam unless told: 2025-03-31T17:00:00Z is midnight of April 1st there.
  const monthEnd = options.around ?? Date.UTC(2025, 2, 31, 17, 0, 0);
  const events: RawEvent[] = [];
  let sequence = 0;
  const make = (kind: keyof typeof TYPES, dossierCode: string, timeMs: number, context: Record<string, unknown>, extra: Record<string, unknown>, id?: string): RawEvent => ({
    specversion: '1.0',
    id: id ?? `evt-${options.seed}-${String(sequence++).padStart(7, '0')}`,
    source: SOURCE,
    type: TYPES[kind],
    time: stamp(timeMs),
    subject: dossierCode,
    data: { dossierCode, ...context, ...extra },
  });

  for (let index = 0; index < options.dossiers; index += 1) {
    const dossierCode = `000.00.17.H31-${options.seed}-${String(index).padStart(6, '0')}`;
    const context = () => ({ procedure: pick(PROCEDURES), agency: pick(AGENCIES) });
    const original = context();
    // Half of the dossiers within 3 hours of the month end, the rest within ±10 days.
    const receivedAt = monthEnd + (random() < 0.5 ? (random() - 0.5) * 6 * HOUR : (random() - 0.5) * 20 * DAY);
    const roundedReceivedAt = Math.round(receivedAt);
    const dueAt = random() < 0.8 ? roundedReceivedAt + Math.round((1 + random() * 5) * DAY) : null;
    const channel = random() < 0.25 ? 'online' : pick(['in_person', 'postal']);
    const receivedTime = roundedReceivedAt + 1000;
    events.push(make('received', dossierCode, receivedTime, original, { channel, receivedAt: stamp(roundedReceivedAt), ...(dueAt ? { dueAt: stamp(dueAt) } : {}) }));
    if (random() < 0.15) {
      // A correction: later `time`, other channel/agency/procedure and sometimes another day.
      const corrected = random() < 0.5 ? context() : original;
      const correctedAt = random() < 0.5 ? roundedReceivedAt : roundedReceivedAt + Math.round((random() - 0.5) * 2 * DAY);
      const sameTime = random() < 0.3; // a tie on `time`: the greater id must win
      events.push(make('received', dossierCode, sameTime ? receivedTime : receivedTime + HOUR, corrected,
        { channel: channel === 'online' ? 'in_person' : 'online', receivedAt: stamp(correctedAt) }, sameTime ? `zz-correction-${options.seed}-${index}` : undefined));
    }
    if (random() < 0.7) {
      const completedAt = roundedReceivedAt + Math.round(random() * 7 * DAY);
      const completedDue = random() < 0.3 ? { dueAt: stamp(roundedReceivedAt + Math.round(3 * DAY)) } : {};
      events.push(make('completed', dossierCode, completedAt, original, { completedAt: stamp(completedAt), outcome: 'approved', ...completedDue }));
      if (random() < 0.1) {
        const recompleted = completedAt + Math.round(random() * 2 * DAY);
        events.push(make('completed', dossierCode, recompleted + 1, original, { completedAt: stamp(recompleted) }));
      }
    }
    const payments = random() < 0.3 ? 1 + Math.floor(random() * 2) : 0;
    for (let payment = 0; payment < payments; payment += 1) {
      const paidAt = roundedReceivedAt + Math.round(random() * 3 * DAY);
      events.push(make('paid', dossierCode, paidAt, original, { paidAt: stamp(paidAt), amountVnd: 50_000, method: random() < 0.4 ? 'online' : 'offline' }));
    }
    if (random() < 0.05) {
      const withdrawnAt = roundedReceivedAt + Math.round(random() * 2 * DAY);
      events.push(make('withdrawn', dossierCode, withdrawnAt, original, { withdrawnAt: stamp(withdrawnAt) }));
    }
  }

  const deliveries: Delivery[] = [];
  for (const event of events) {
    const copies = random() < (options.duplicateShare ?? 0.1) ? 2 : 1;
    for (let copy = 0; copy < copies; copy += 1) deliveries.push({ event, binary: random() < (options.binaryShare ?? 0.2), key: event.subject });
  }
  const invalidCount = Math.round(events.length * (options.invalidShare ?? 0.02));
  for (let index = 0; index < invalidCount; index += 1) {
    const base = pick(events);
    const variants: Array<() => string> = [
      () => '{"specversion":"1.0", not json',
      () => JSON.stringify({ ...base, id: `bad-${index}`, time: base.time.replace(/(Z|[+-]\d\d:\d\d)$/, '') }),
      () => JSON.stringify({ ...base, id: `bad-${index}`, subject: 'another-dossier' }),
      () => JSON.stringify({ ...base, id: `bad-${index}`, type: 'vn.gov.dvc.dossier.teleported.v1' }),
      () => JSON.stringify({ ...base, id: `bad-${index}`, data: { ...base.data, channel: 'fax' }, type: TYPES.received }),
      () => JSON.stringify({ ...base, id: `bad-${index}`, time: '2025-02-30T10:00:00+07:00' }),
    ];
    deliveries.push({ invalidBytes: pick(variants)(), binary: false, key: base.subject });
  }
  // Shuffle the whole delivery order (Fisher–Yates): corrections often arrive before what they correct.
  for (let index = deliveries.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [deliveries[index], deliveries[other]] = [deliveries[other], deliveries[index]];
  }
  return deliveries;
}
