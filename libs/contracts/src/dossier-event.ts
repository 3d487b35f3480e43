/**
 * The canonical, validated and normalised form of a v1 dossier event.
 *
 * Every service after ingest works on this shape only: it is what ingest writes to the canonical topic
 * (as JSON, keyed by dossier code). Names are in Unicode NFC. Instants are `Instant` strings (see
 * `instant.ts`): UTC, fixed width, nanosecond precision, so that comparing two of them as strings is
 * comparing the instants exactly, without the millisecond rounding of `Date`.
 */
export type Instant = string;

export const ONLINE_LEVELS = ['full', 'partial', 'none'] as const;
export type OnlineLevel = (typeof ONLINE_LEVELS)[number];

export const AGENCY_LEVELS = ['ministry', 'province', 'department', 'district', 'commune', 'other'] as const;
export type AgencyLevel = (typeof AGENCY_LEVELS)[number];

export const CHANNELS = ['online', 'in_person', 'postal'] as const;
export type Channel = (typeof CHANNELS)[number];

export const OUTCOMES = ['approved', 'rejected', 'returned'] as const;
export type CompletionOutcome = (typeof OUTCOMES)[number];

export const PAYMENT_METHODS = ['online', 'offline'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const APPLICANT_TYPES = ['citizen', 'business', 'organization'] as const;
export type ApplicantType = (typeof APPLICANT_TYPES)[number];

export const EVENT_TYPES = {
  received: 'vn.gov.dvc.dossier.received.v1',
  completed: 'vn.gov.dvc.dossier.completed.v1',
  paid: 'vn.gov.dvc.dossier.paid.v1',
  withdrawn: 'vn.gov.dvc.dossier.withdrawn.v1',
} as const;
export type DossierEventKind = keyof typeof EVENT_TYPES;
export type DossierEventType = (typeof EVENT_TYPES)[DossierEventKind];

export interface ProcedureRef {
  code: string;
  name: string;
  sector: string;
  onlineLevel: OnlineLevel;
}

export interface AgencyRef {
  code: string;
  name: string;
  level: AgencyLevel;
  /** `null` for a root of the hierarchy. */
  parentCode: string | null;
}

interface DossierEventBase {
  /** CloudEvents `id`, unique per `source`. */
  id: string;
  /** CloudEvents `source`: the sending one-stop system. */
  source: string;
  /** CloudEvents `time`: when the change happened in the source system. */
  time: Instant;
  dossierCode: string;
  procedure: ProcedureRef;
  agency: AgencyRef;
  applicantType: ApplicantType | null;
}

export interface DossierReceived extends DossierEventBase {
  kind: 'received';
  channel: Channel;
  receivedAt: Instant;
  dueAt: Instant | null;
}

export interface DossierCompleted extends DossierEventBase {
  kind: 'completed';
  completedAt: Instant;
  dueAt: Instant | null;
  outcome: CompletionOutcome | null;
}

export interface DossierPaid extends DossierEventBase {
  kind: 'paid';
  paidAt: Instant;
  amountVnd: number;
  method: PaymentMethod;
}

export interface DossierWithdrawn extends DossierEventBase {
  kind: 'withdrawn';
  withdrawnAt: Instant;
}

export type DossierEvent = DossierReceived | DossierCompleted | DossierPaid | DossierWithdrawn;
