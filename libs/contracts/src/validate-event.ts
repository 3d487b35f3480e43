import {
  AGENCY_LEVELS,
  AgencyRef,
  APPLICANT_TYPES,
  ApplicantType,
  CHANNELS,
  DossierEvent,
  DossierEventKind,
  EVENT_TYPES,
  Instant,
  ONLINE_LEVELS,
  OUTCOMES,
  PAYMENT_METHODS,
  ProcedureRef,
} from './dossier-event';
import { CLOUDEVENTS_SPEC_VERSION } from './cloud-event';
import {
  describe,
  fail,
  FieldRejection,
  isJsonObject,
  JsonObject,
  optionalEnum,
  hasControlCharacter,
  optionalInstant,
  requireAttributeString,
  requireEnum,
  requireInstant,
  requireObject,
  requireSafeNonNegativeInteger,
  requireString,
  requireText,
} from './field-checks';
import { LIMITS } from './limits';
import { MEDIA_TYPES, parseMediaType } from './media-type';
import { ValidationResult } from './validation-result';

export interface ValidateOptions {
  /** Size of the event as it was received, in bytes; when absent the event is measured as JSON. */
  sizeBytes?: number;
}

const KIND_BY_TYPE = new Map<unknown, DossierEventKind>(
  (Object.keys(EVENT_TYPES) as DossierEventKind[]).map((kind) => [EVENT_TYPES[kind], kind]),
);
const TYPE_LIST = Object.values(EVENT_TYPES).join(', ');
const NOT_IN_URI = /[\s\u0000-\u001f\u007f-\u009f]/;

/** Checks a parsed CloudEvent against the v1 contract and turns it into the canonical `DossierEvent`. */
export function validateCloudEvent(input: unknown, options?: ValidateOptions): ValidationResult {
  try {
    return { ok: true, event: readEvent(input, options?.sizeBytes) };
  } catch (e) {
    if (e instanceof FieldRejection) return { ok: false, rejection: { field: e.field, reason: e.reason } };
    throw e;
  }
}

function readEvent(input: unknown, sizeBytes: number | undefined): DossierEvent {
  if (!isJsonObject(input)) {
    throw new FieldRejection(null, `the event must be a JSON object (got ${describe(input)})`);
  }
  checkEventSize(input, sizeBytes);
  if (input.specversion !== CLOUDEVENTS_SPEC_VERSION) fail('specversion', input.specversion, 'must be "1.0"');
  const id = requireAttributeString(input.id, 'id', LIMITS.id);
  const source = requireString(input.source, 'source', LIMITS.source);
  if (NOT_IN_URI.test(source)) {
    fail('source', source, 'must be a URI-reference, without whitespace or control characters');
  }
  const kind = KIND_BY_TYPE.get(input.type);
  if (kind === undefined) fail('type', input.type, `must be one of ${TYPE_LIST}`);
  const time = requireInstant(input.time, 'time');
  const subject = requireAttributeString(input.subject, 'subject', LIMITS.code);
  checkDataContentType(input.datacontenttype);

  const data = requireObject(input.data, 'data');
  const dossierCode = requireString(data.dossierCode, 'data.dossierCode', LIMITS.code);
  if (subject !== dossierCode) {
    fail('subject', subject, `must equal data.dossierCode ${describe(dossierCode)}`);
  }
  const procedure = readProcedure(data.procedure);
  const agency = readAgency(data.agency);
  const applicantType = readApplicantType(data.applicant);
  const context: Context = { id, source, time, dossierCode, procedure, agency, applicantType };
  return READERS[kind](context, data);
}

interface Context {
  id: string;
  source: string;
  time: Instant;
  dossierCode: string;
  procedure: ProcedureRef;
  agency: AgencyRef;
  applicantType: ApplicantType | null;
}

const READERS: { [K in DossierEventKind]: (c: Context, data: JsonObject) => Extract<DossierEvent, { kind: K }> } = {
  received: (c, data) => ({
    kind: 'received',
    ...c,
    channel: requireEnum(data.channel, 'data.channel', CHANNELS),
    receivedAt: requireInstant(data.receivedAt, 'data.receivedAt'),
    dueAt: optionalInstant(data.dueAt, 'data.dueAt'),
  }),
  completed: (c, data) => ({
    kind: 'completed',
    ...c,
    completedAt: requireInstant(data.completedAt, 'data.completedAt'),
    dueAt: optionalInstant(data.dueAt, 'data.dueAt'),
    outcome: optionalEnum(data.outcome, 'data.outcome', OUTCOMES),
  }),
  paid: (c, data) => ({
    kind: 'paid',
    ...c,
    paidAt: requireInstant(data.paidAt, 'data.paidAt'),
    amountVnd: requireSafeNonNegativeInteger(data.amountVnd, 'data.amountVnd'),
    method: requireEnum(data.method, 'data.method', PAYMENT_METHODS),
  }),
  withdrawn: (c, data) => ({
    kind: 'withdrawn',
    ...c,
    withdrawnAt: requireInstant(data.withdrawnAt, 'data.withdrawnAt'),
  }),
};

function readProcedure(value: unknown): ProcedureRef {
  const procedure = requireObject(value, 'data.procedure');
  return {
    code: requireString(procedure.code, 'data.procedure.code', LIMITS.code),
    name: requireText(procedure.name, 'data.procedure.name', LIMITS.name),
    sector: requireText(procedure.sector, 'data.procedure.sector', LIMITS.sector),
    onlineLevel: requireEnum(procedure.onlineLevel, 'data.procedure.onlineLevel', ONLINE_LEVELS),
  };
}

function readAgency(value: unknown): AgencyRef {
  const agency = requireObject(value, 'data.agency');
  const parentCode = agency.parentCode;
  return {
    code: requireString(agency.code, 'data.agency.code', LIMITS.code),
    name: requireText(agency.name, 'data.agency.name', LIMITS.name),
    level: requireEnum(agency.level, 'data.agency.level', AGENCY_LEVELS),
    parentCode:
      parentCode === undefined || parentCode === null
        ? null
        : requireString(parentCode, 'data.agency.parentCode', LIMITS.code),
  };
}

function readApplicantType(value: unknown): ApplicantType | null {
  if (value === undefined || value === null) return null;
  const applicant = requireObject(value, 'data.applicant');
  return optionalEnum(applicant.type, 'data.applicant.type', APPLICANT_TYPES);
}

function checkDataContentType(value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string' || hasControlCharacter(value) || parseMediaType(value).essence !== MEDIA_TYPES.json) {
    fail('datacontenttype', value, `must be ${MEDIA_TYPES.json} when present`);
  }
}

function checkEventSize(input: JsonObject, sizeBytes: number | undefined): void {
  let size = sizeBytes;
  if (size === undefined) {
    let json: string;
    try {
      json = JSON.stringify(input);
    } catch {
      throw new FieldRejection(null, 'the event cannot be serialised as JSON');
    }
    // A UTF-16 unit takes at most 3 UTF-8 bytes, so JSON under a third of the limit fits without counting.
    if (json.length * 3 <= LIMITS.eventBytes) return;
    size = Buffer.byteLength(json, 'utf8');
  }
  if (size > LIMITS.eventBytes) {
    throw new FieldRejection(null, `the event is ${size} bytes, more than the limit of ${LIMITS.eventBytes} bytes`);
  }
}
