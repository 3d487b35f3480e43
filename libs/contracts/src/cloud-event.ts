import type {
  AgencyLevel,
  ApplicantType,
  Channel,
  CompletionOutcome,
  DossierEventType,
  OnlineLevel,
  PaymentMethod,
} from './dossier-event';

export const CLOUDEVENTS_SPEC_VERSION = '1.0';

/**
 * A v1 event as it travels as JSON (structured mode), before validation: what producers build and
 * tests send. Unknown top-level keys are CloudEvents extension attributes.
 */
export interface CloudEventV1<D = DossierEventDataV1> {
  specversion: string;
  id: string;
  source: string;
  type: DossierEventType | string;
  time: string;
  subject: string;
  datacontenttype?: string;
  data: D;
  [extension: string]: unknown;
}

/** The raw `data` of a v1 event: times are RFC 3339 text with any offset. */
export interface DossierContextV1 {
  dossierCode: string;
  procedure: { code: string; name: string; sector: string; onlineLevel: OnlineLevel };
  agency: { code: string; name: string; level: AgencyLevel; parentCode?: string | null };
  applicant?: { type?: ApplicantType | null } | null;
}

export interface ReceivedDataV1 extends DossierContextV1 {
  channel: Channel;
  receivedAt: string;
  dueAt?: string | null;
}

export interface CompletedDataV1 extends DossierContextV1 {
  completedAt: string;
  dueAt?: string | null;
  outcome?: CompletionOutcome | null;
}

export interface PaidDataV1 extends DossierContextV1 {
  paidAt: string;
  amountVnd: number;
  method: PaymentMethod;
}

export interface WithdrawnDataV1 extends DossierContextV1 {
  withdrawnAt: string;
}

export type DossierEventDataV1 = ReceivedDataV1 | CompletedDataV1 | PaidDataV1 | WithdrawnDataV1;
