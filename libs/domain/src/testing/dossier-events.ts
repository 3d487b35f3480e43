import {
  AgencyRef,
  ApplicantType,
  Channel,
  CompletionOutcome,
  DossierCompleted,
  DossierEvent,
  DossierPaid,
  DossierReceived,
  DossierWithdrawn,
  parseRfc3339,
  PaymentMethod,
  ProcedureRef,
} from '@dvc/contracts';
import { BucketCounters, BucketDelta, contributionsOf } from '../buckets';
import { applyEvent, DossierState, EMPTY_DOSSIER_STATE } from '../dossier-state';

/**
 * Realistic fixtures of the dossier-state and buckets specs (libs/domain/src/dossier-state-*.spec.ts and
 * buckets-*.spec.ts): dossiers of two districts of Hưng Yên, reported by the province's one-stop system and by
 * the national portal, and the helpers those specs share.
 */

export const HUNG_YEN = 'urn:dvc:motcua:hung-yen';
export const QUOC_GIA = 'urn:dvc:dichvucong:quoc-gia'; // sorts before HUNG_YEN ('d' < 'm')
export const DOSSIER = '000.00.17.H31-250304-0012';

export const KHAI_SINH: ProcedureRef = { code: '1.001612', name: 'Đăng ký khai sinh', sector: 'Hộ tịch', onlineLevel: 'full' };
export const KET_HON: ProcedureRef = { code: '1.000894', name: 'Đăng ký kết hôn', sector: 'Hộ tịch', onlineLevel: 'partial' };
export const VAN_LAM: AgencyRef = { code: '000.00.17.H31', name: 'UBND huyện Văn Lâm', level: 'district', parentCode: '000.00.00.H31' };
export const MY_HAO: AgencyRef = { code: '000.00.18.H31', name: 'UBND thị xã Mỹ Hào', level: 'district', parentCode: '000.00.00.H31' };

/** Vietnam's wall-clock time `YYYY-MM-DDTHH:MM:SS` as a canonical UTC instant. */
export const vn = (local: string) => parseRfc3339(`${local}+07:00`);

export interface Common {
  id: string;
  /** CloudEvents `time`, Vietnam's wall clock. */
  time: string;
  source?: string;
  dossier?: string;
  agency?: AgencyRef;
  procedure?: ProcedureRef;
}

/**
 * Builders of the four event kinds, of DOSSIER (or `dossier`) from HUNG_YEN (or `source`) at VAN_LAM for
 * KHAI_SINH unless told otherwise, with the given applicant type and completion outcome (the dossier-state specs
 * fill both, the buckets specs neither).
 */
export function eventBuilders(fill: { applicantType: ApplicantType | null; outcome: CompletionOutcome | null }) {
  const base = (c: Common) => ({
    id: c.id,
    source: c.source ?? HUNG_YEN,
    time: vn(c.time),
    dossierCode: c.dossier ?? DOSSIER,
    procedure: c.procedure ?? KHAI_SINH,
    agency: c.agency ?? VAN_LAM,
    applicantType: fill.applicantType,
  });
  return {
    received: (c: Common & { channel: Channel; receivedAt: string; dueAt?: string }): DossierReceived => ({
      ...base(c),
      kind: 'received',
      channel: c.channel,
      receivedAt: vn(c.receivedAt),
      dueAt: c.dueAt ? vn(c.dueAt) : null,
    }),
    completed: (c: Common & { completedAt: string; dueAt?: string }): DossierCompleted => ({
      ...base(c),
      kind: 'completed',
      completedAt: vn(c.completedAt),
      dueAt: c.dueAt ? vn(c.dueAt) : null,
      outcome: fill.outcome,
    }),
    paid: (c: Common & { paidAt: string; method: PaymentMethod }): DossierPaid => ({ ...base(c), kind: 'paid', paidAt: vn(c.paidAt), amountVnd: 8000, method: c.method }),
    withdrawn: (c: Common & { withdrawnAt: string }): DossierWithdrawn => ({ ...base(c), kind: 'withdrawn', withdrawnAt: vn(c.withdrawnAt) }),
  };
}

export const applyAll = (events: readonly DossierEvent[], from: DossierState = EMPTY_DOSSIER_STATE) => events.reduce(applyEvent, from);

/** A full bucket row: the given counters, all others 0. */
export function row(day: string, agencyCode: string, procedureCode: string, counters: Partial<BucketCounters> = {}): BucketDelta {
  return {
    day,
    agencyCode,
    procedureCode,
    received: 0,
    receivedOnline: 0,
    completed: 0,
    completedOnTime: 0,
    paid: 0,
    paidOnline: 0,
    withdrawn: 0,
    ...counters,
  };
}

/** A dossier's contributions summed per bucket, keyed `day agency procedure`, without zero counters. */
export function totalsByBucket(state: DossierState): Record<string, Partial<BucketCounters>> {
  const totals: Record<string, Partial<BucketCounters>> = {};
  for (const { day, agencyCode, procedureCode, ...counters } of contributionsOf(state)) {
    const bucket = (totals[`${day} ${agencyCode} ${procedureCode}`] ??= {});
    for (const [name, value] of Object.entries(counters) as Array<[keyof BucketCounters, number]>) {
      if (value !== 0) bucket[name] = (bucket[name] ?? 0) + value;
    }
  }
  return totals;
}

export function* permutations<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permutations(rest)) yield [items[i], ...tail];
  }
}

/** Deterministic PRNG (mulberry32), so that a failing shuffle can be replayed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
