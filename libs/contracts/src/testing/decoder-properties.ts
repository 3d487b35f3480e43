import fc from 'fast-check';
import { decodeCanonical, encodeCanonical } from '../canonical-codec';
import type { CloudEventV1 } from '../cloud-event';
import {
  AGENCY_LEVELS,
  APPLICANT_TYPES,
  CHANNELS,
  DossierEvent,
  DossierEventKind,
  EVENT_TYPES,
  ONLINE_LEVELS,
  OUTCOMES,
  PAYMENT_METHODS,
} from '../dossier-event';
import { decodeHttpBody } from '../http-binding';
import { isInstant } from '../instant';
import { decodeKafkaMessage, encodeBinary, encodeStructured, KafkaHeaderValue } from '../kafka-binding';
import { LIMITS } from '../limits';
import { MEDIA_TYPES } from '../media-type';
import { validateCloudEvent } from '../validate-event';
import { ValidationResult } from '../validation-result';

/**
 * Properties of the event decoder, for its spec (a few thousand cases) and bench/decoder-fuzz.ts (100,000 and
 * more), both with this seed: (a) no input makes a decoder throw, and whatever one accepts keeps the contract;
 * (b) an event breaking one rule of the contract is rejected on every channel; (c) a valid event is accepted on
 * every channel as the same canonical event, which its canonical encoding gives back.
 */
export const DECODER_FUZZ_SEED = 20_251_207;

export interface DecoderProperty {
  name: string;
  /** Cases in the unit spec; the bench runs its own number. */
  unitRuns: number;
  property: fc.IProperty<any>;
}

const KINDS = Object.keys(EVENT_TYPES) as DossierEventKind[];

// Characters a generated text is made of: ASCII, Vietnamese in NFC and NFD, an astral emoji (two UTF-16 units).
const LETTERS = [...'abcxyzABCXYZ0189.-_ :/', 'ộ', 'ă', 'Đ', 'ư', 'ế', 'o\u0323\u0302', 'a\u0306', 'e\u0302\u0301', '😀', '\t'];
const CODE_LETTERS = [...'0123456789ABCHXYZ.-_', 'Đ', 'ộ', '😀'];

const text = (maxLength: number, minLength = 0) => fc.string({ unit: fc.constantFrom(...LETTERS), minLength, maxLength });
const code = () => fc.string({ unit: fc.constantFrom(...CODE_LETTERS), minLength: 1, maxLength: LIMITS.code });

/** An instant written in RFC 3339 with any offset and 0–9 fraction digits, and the canonical `Instant` it is. */
export const rfc3339 = () =>
  fc
    .record({
      seconds: fc.oneof(
        fc.integer({ min: Date.UTC(1990, 0, 1) / 1000, max: Date.UTC(2040, 0, 1) / 1000 }),
        // Years 0001–9999, a day inside either end so that no offset takes the local or UTC year out of range.
        fc.integer({ min: Date.parse('0001-01-02T00:00:00Z') / 1000, max: Date.parse('9999-12-30T00:00:00Z') / 1000 }),
      ),
      fraction: fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 9 }),
      offsetMinutes: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
      zulu: fc.constantFrom('Z', 'z', '+00:00'),
      separator: fc.constantFrom('T', 't'),
    })
    .map(({ seconds, fraction, offsetMinutes, zulu, separator }) => {
      const fractionText = fraction.length > 0 ? `.${fraction}` : '';
      const offset =
        offsetMinutes === 0
          ? zulu
          : `${offsetMinutes < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offsetMinutes) / 60))}:${two(Math.abs(offsetMinutes) % 60)}`;
      const local = dateTime(new Date((seconds + offsetMinutes * 60) * 1000), separator);
      return {
        text: `${local}${fractionText}${offset}`,
        instant: `${dateTime(new Date(seconds * 1000), 'T')}.${fraction.padEnd(9, '0')}Z`,
      };
    });

const two = (n: number) => String(n).padStart(2, '0');
function dateTime(date: Date, separator: string): string {
  const day = `${String(date.getUTCFullYear()).padStart(4, '0')}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
  return `${day}${separator}${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
}

/** A valid v1 event of any kind, with unknown fields and extension attributes, and the canonical event it must give. */
export const validEvent = () =>
  fc
    .record({
      kind: fc.constantFrom(...KINDS),
      id: fc.string({ unit: fc.constantFrom(...LETTERS.filter((c) => c !== '\t')), minLength: 1, maxLength: LIMITS.id }),
      source: fc.stringMatching(/^urn:dvc:motcua:[a-z0-9-]{1,40}$/),
      time: rfc3339(),
      dossierCode: code(),
      procedure: fc.record({ code: code(), name: text(LIMITS.name), sector: text(40), onlineLevel: fc.constantFrom(...ONLINE_LEVELS) }),
      agency: fc.record({ code: code(), name: text(80), level: fc.constantFrom(...AGENCY_LEVELS), parentCode: fc.option(code(), { nil: undefined }) }),
      applicant: fc.option(fc.record({ type: fc.option(fc.constantFrom(...APPLICANT_TYPES), { nil: null }) }), { nil: undefined }),
      withContentType: fc.boolean(),
      at: rfc3339(),
      dueAt: fc.option(rfc3339(), { nil: undefined }),
      channel: fc.constantFrom(...CHANNELS),
      outcome: fc.option(fc.constantFrom(...OUTCOMES), { nil: undefined }),
      amountVnd: fc.maxSafeNat(),
      method: fc.constantFrom(...PAYMENT_METHODS),
      unknownData: fc.dictionary(fc.stringMatching(/^x-[a-z]{1,8}$/), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }),
      extensions: fc.dictionary(fc.stringMatching(/^ext[a-z0-9]{1,8}$/), fc.stringMatching(/^[ -~]{0,40}$/), { maxKeys: 2 }),
    })
    .map((m) => {
      const kindData: Record<DossierEventKind, [Record<string, unknown>, Record<string, unknown>]> = {
        received: [
          { channel: m.channel, receivedAt: m.at.text, ...(m.dueAt ? { dueAt: m.dueAt.text } : {}) },
          { channel: m.channel, receivedAt: m.at.instant, dueAt: m.dueAt?.instant ?? null },
        ],
        completed: [
          { completedAt: m.at.text, ...(m.dueAt ? { dueAt: m.dueAt.text } : {}), ...(m.outcome ? { outcome: m.outcome } : {}) },
          { completedAt: m.at.instant, dueAt: m.dueAt?.instant ?? null, outcome: m.outcome ?? null },
        ],
        paid: [
          { paidAt: m.at.text, amountVnd: m.amountVnd, method: m.method },
          { paidAt: m.at.instant, amountVnd: m.amountVnd, method: m.method },
        ],
        withdrawn: [{ withdrawnAt: m.at.text }, { withdrawnAt: m.at.instant }],
      };
      const [rawData, canonicalData] = kindData[m.kind];
      const agency = { code: m.agency.code, name: m.agency.name, level: m.agency.level, ...(m.agency.parentCode ? { parentCode: m.agency.parentCode } : {}) };
      const cloudEvent: CloudEventV1<Record<string, unknown>> = {
        ...m.extensions,
        specversion: '1.0',
        id: m.id,
        source: m.source,
        type: EVENT_TYPES[m.kind],
        time: m.time.text,
        subject: m.dossierCode,
        ...(m.withContentType ? { datacontenttype: 'application/json; charset=utf-8' } : {}),
        data: { ...m.unknownData, dossierCode: m.dossierCode, procedure: m.procedure, agency, ...(m.applicant ? { applicant: m.applicant } : {}), ...rawData },
      };
      const canonical = {
        kind: m.kind,
        id: m.id,
        source: m.source,
        time: m.time.instant,
        dossierCode: m.dossierCode,
        procedure: { ...m.procedure, name: m.procedure.name.normalize('NFC'), sector: m.procedure.sector.normalize('NFC') },
        agency: { ...agency, name: m.agency.name.normalize('NFC'), parentCode: m.agency.parentCode ?? null },
        applicantType: m.applicant?.type ?? null,
        ...canonicalData,
      } as DossierEvent;
      return { cloudEvent, canonical };
    });

type Mutable = Record<string, any>;
type Violation = { rule: string; kinds?: DossierEventKind[]; apply: (event: Mutable, value: any) => void; value: fc.Arbitrary<unknown> };

const notOneOf = (allowed: readonly string[]) => fc.oneof(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })).filter((v) => !allowed.includes(v as string));
const notAnObject = () => fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }));
/** Text an RFC 3339 parser must refuse: a valid one broken in a way that keeps it plausible. */
const badInstant = () =>
  fc.oneof(
    rfc3339().map(({ text }) => text.replace(/(Z|z|[+-]\d\d:\d\d)$/, '')),
    rfc3339().map(({ text }) => text.replace(/[Tt]/, ' ')),
    rfc3339().map(({ text }) => text.replace(/^(\d{4})-\d\d-\d\d/, '$1-02-30')),
    rfc3339().map(({ text }) => text.replace(/^(\d{4})-\d\d/, '$1-13')),
    rfc3339().map(({ text }) => text.replace(/[Tt]\d\d/, 'T24')),
    rfc3339().map(({ text }) => text.replace(/:\d\d(\.\d+)?(?=(Z|z|[+-]\d\d:\d\d)$)/, ':60')),
    fc.constantFrom('', 'yesterday', '2025-03-04', '1741051800000', '2025-03-04T08:30:00+0700', '2025-03-04T08:30:00.1234567891Z'),
    fc.integer(),
  );
const tooLong = (max: number) => fc.integer({ min: max + 1, max: max + 40 }).map((n) => 'x'.repeat(n));
const control = () => fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f).map((c) => String.fromCharCode(c));
const lone = () => fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** One rule of the contract each; `kinds` restricts a data rule to the events that have the field. */
const VIOLATIONS: Violation[] = [
  { rule: 'specversion is "1.0"', apply: (e, v) => (e.specversion = v), value: fc.oneof(fc.string({ maxLength: 5 }), fc.double()).filter((v) => v !== '1.0') },
  { rule: 'id is present', apply: (e) => delete e.id, value: fc.constant(null) },
  { rule: 'id is a non-empty string', apply: (e, v) => (e.id = v), value: fc.oneof(fc.constant(''), fc.integer(), fc.constant(null), fc.boolean()) },
  { rule: 'id fits its limit', apply: (e, v) => (e.id = v), value: tooLong(LIMITS.id) },
  { rule: 'id has no control characters', apply: (e, v) => (e.id = `${e.id}${v}`), value: control() },
  { rule: 'id is Unicode', apply: (e, v) => (e.id = `${e.id}${v}`), value: lone() },
  { rule: 'source is a URI-reference', apply: (e, v) => (e.source = `${e.source}${v}x`), value: fc.oneof(control(), fc.constantFrom(' ', '\u00a0', '\u2028')) },
  { rule: 'source is a non-empty string', apply: (e, v) => (e.source = v), value: fc.oneof(fc.constant(''), fc.integer()) },
  { rule: 'type is a v1 type', apply: (e, v) => (e.type = v), value: notOneOf(Object.values(EVENT_TYPES)) },
  { rule: 'time is RFC 3339 with an offset', apply: (e, v) => (e.time = v), value: badInstant() },
  { rule: 'subject equals data.dossierCode', apply: (e, v) => (e.subject = `${e.subject}${v}`), value: fc.string({ unit: fc.constantFrom(...CODE_LETTERS), minLength: 1, maxLength: 3 }) },
  { rule: 'datacontenttype is JSON', apply: (e, v) => (e.datacontenttype = v), value: fc.constantFrom('text/plain', 'application/xml', 'application/cloudevents+json', 'json') },
  { rule: 'data is an object', apply: (e, v) => (e.data = v), value: fc.oneof(notAnObject(), fc.constant(null)) },
  { rule: 'dossierCode fits its limit', apply: (e, v) => (e.data.dossierCode = e.subject = v), value: tooLong(LIMITS.code) },
  { rule: 'procedure is an object', apply: (e, v) => (e.data.procedure = v), value: notAnObject() },
  { rule: 'procedure.code is a non-empty string', apply: (e, v) => (e.data.procedure.code = v), value: fc.oneof(fc.constant(''), fc.integer(), tooLong(LIMITS.code)) },
  { rule: 'a name fits its limit', apply: (e, v) => (e.data.procedure.name = v), value: tooLong(LIMITS.name) },
  { rule: 'a name has no U+0000', apply: (e) => (e.data.agency.name = `${e.data.agency.name}\u0000`), value: fc.constant(null) },
  { rule: 'a name is Unicode', apply: (e, v) => (e.data.agency.name = `${v}${e.data.agency.name}`), value: lone() },
  { rule: 'sector is a string', apply: (e, v) => (e.data.procedure.sector = v), value: fc.oneof(fc.integer(), fc.constant(null), tooLong(LIMITS.sector)) },
  { rule: 'onlineLevel is one of the levels', apply: (e, v) => (e.data.procedure.onlineLevel = v), value: notOneOf(ONLINE_LEVELS) },
  { rule: 'agency is an object', apply: (e, v) => (e.data.agency = v), value: notAnObject() },
  { rule: 'agency.level is one of the levels', apply: (e, v) => (e.data.agency.level = v), value: notOneOf(AGENCY_LEVELS) },
  { rule: 'parentCode is a non-empty string or null', apply: (e, v) => (e.data.agency.parentCode = v), value: fc.oneof(fc.constant(''), fc.integer(), tooLong(LIMITS.code)) },
  { rule: 'applicant is an object', apply: (e, v) => (e.data.applicant = v), value: notAnObject() },
  { rule: 'applicant.type is one of the types', apply: (e, v) => (e.data.applicant = { type: v }), value: notOneOf(APPLICANT_TYPES).filter((v) => v !== null) },
  { rule: 'channel is one of the channels', kinds: ['received'], apply: (e, v) => (e.data.channel = v), value: notOneOf(CHANNELS).filter((v) => v !== undefined) },
  { rule: 'receivedAt is RFC 3339', kinds: ['received'], apply: (e, v) => (e.data.receivedAt = v), value: badInstant() },
  { rule: 'dueAt is RFC 3339 when present', kinds: ['received', 'completed'], apply: (e, v) => (e.data.dueAt = v), value: badInstant() },
  { rule: 'completedAt is present', kinds: ['completed'], apply: (e) => delete e.data.completedAt, value: fc.constant(null) },
  { rule: 'outcome is one of the outcomes', kinds: ['completed'], apply: (e, v) => (e.data.outcome = v), value: notOneOf(OUTCOMES).filter((v) => v !== null) },
  { rule: 'paidAt is RFC 3339', kinds: ['paid'], apply: (e, v) => (e.data.paidAt = v), value: badInstant() },
  {
    rule: 'amountVnd is a safe integer ≥ 0',
    kinds: ['paid'],
    apply: (e, v) => (e.data.amountVnd = v),
    value: fc.oneof(
      fc.integer({ max: -1 }),
      fc.double({ noInteger: true }),
      fc.constantFrom(2 ** 53, 1e300, '8000', null, true),
    ),
  },
  { rule: 'method is one of the methods', kinds: ['paid'], apply: (e, v) => (e.data.method = v), value: notOneOf(PAYMENT_METHODS) },
  { rule: 'withdrawnAt is RFC 3339', kinds: ['withdrawn'], apply: (e, v) => (e.data.withdrawnAt = v), value: badInstant() },
];

/** A valid event with exactly one rule broken. */
const brokenEvent = () =>
  fc
    .tuple(validEvent(), fc.constantFrom(...VIOLATIONS))
    .filter(([{ canonical }, violation]) => violation.kinds === undefined || violation.kinds.includes(canonical.kind))
    .chain(([{ cloudEvent }, violation]) =>
      violation.value.map((value) => {
        const event = structuredClone(cloudEvent) as Mutable;
        violation.apply(event, value);
        return { rule: violation.rule, event: event as CloudEventV1<unknown> };
      }),
    );

/** The three ways in: Kafka structured, Kafka binary (when the attributes are text), HTTP as one event. */
function decodeOnEveryChannel(event: CloudEventV1<unknown>): Array<[string, ValidationResult]> {
  const results: Array<[string, ValidationResult]> = [['kafka-structured', decodeKafkaMessage({ value: encodeStructured(event) })]];
  // Kafka headers are text or bytes: binary mode only carries an event whose attributes are text.
  const attributes = [event.specversion, event.id, event.source, event.type, event.time, event.subject, event.datacontenttype ?? ''];
  if (attributes.every((attribute) => typeof attribute === 'string')) {
    const binary = encodeBinary(event);
    results.push(['kafka-binary', decodeKafkaMessage({ value: binary.value, headers: binary.headers })]);
  }
  const body = decodeHttpBody(MEDIA_TYPES.cloudEvent, encodeStructured(event));
  results.push(['http', body.ok ? validateCloudEvent(body.items[0]) : { ok: false, rejection: { field: null, reason: body.reason } }]);
  return results;
}

const CODE_POINTS = (value: string) => [...value].length;
const WELL_FORMED = (value: string) => (value as unknown as { isWellFormed(): boolean }).isWellFormed();
const BASE_KEYS = ['kind', 'id', 'source', 'time', 'dossierCode', 'procedure', 'agency', 'applicantType'];
const KIND_KEYS: Record<DossierEventKind, string[]> = {
  received: ['channel', 'receivedAt', 'dueAt'],
  completed: ['completedAt', 'dueAt', 'outcome'],
  paid: ['paidAt', 'amountVnd', 'method'],
  withdrawn: ['withdrawnAt'],
};

/** Why an accepted, canonical event breaks the contract, or `null`: checked on the output, apart from the validator. */
export function contractBreach(event: DossierEvent): string | null {
  const e = event as unknown as Record<string, any>;
  const isCode = (v: unknown) => typeof v === 'string' && CODE_POINTS(v) >= 1 && CODE_POINTS(v) <= LIMITS.code && WELL_FORMED(v) && !v.includes('\u0000');
  const isName = (v: unknown, max: number) => typeof v === 'string' && CODE_POINTS(v) <= max && v === v.normalize('NFC') && WELL_FORMED(v) && !v.includes('\u0000');
  const checks: Array<[boolean, string]> = [
    [KINDS.includes(e.kind), 'kind'],
    [JSON.stringify(Object.keys(e).sort()) === JSON.stringify([...BASE_KEYS, ...(KIND_KEYS[e.kind as DossierEventKind] ?? [])].sort()), 'keys'],
    [typeof e.id === 'string' && e.id.length > 0 && CODE_POINTS(e.id) <= LIMITS.id && WELL_FORMED(e.id) && !/[\u0000-\u001f\u007f-\u009f]/.test(e.id), 'id'],
    [typeof e.source === 'string' && e.source.length > 0 && CODE_POINTS(e.source) <= LIMITS.source && !/[\s\u0000-\u001f\u007f-\u009f]/.test(e.source), 'source'],
    [isInstant(e.time), 'time'],
    [isCode(e.dossierCode) && !/[\u0000-\u001f\u007f-\u009f]/.test(e.dossierCode), 'dossierCode'],
    [isCode(e.procedure?.code) && isName(e.procedure?.name, LIMITS.name) && isName(e.procedure?.sector, LIMITS.sector) && ONLINE_LEVELS.includes(e.procedure?.onlineLevel), 'procedure'],
    [isCode(e.agency?.code) && isName(e.agency?.name, LIMITS.name) && AGENCY_LEVELS.includes(e.agency?.level) && (e.agency?.parentCode === null || isCode(e.agency?.parentCode)), 'agency'],
    [e.applicantType === null || APPLICANT_TYPES.includes(e.applicantType), 'applicantType'],
    [e.kind !== 'received' || (CHANNELS.includes(e.channel) && isInstant(e.receivedAt)), 'received'],
    [!('dueAt' in e) || e.dueAt === null || isInstant(e.dueAt), 'dueAt'],
    [e.kind !== 'completed' || (isInstant(e.completedAt) && (e.outcome === null || OUTCOMES.includes(e.outcome))), 'completed'],
    [e.kind !== 'paid' || (isInstant(e.paidAt) && Number.isSafeInteger(e.amountVnd) && e.amountVnd >= 0 && PAYMENT_METHODS.includes(e.method)), 'paid'],
    [e.kind !== 'withdrawn' || isInstant(e.withdrawnAt), 'withdrawn'],
  ];
  const broken = checks.filter(([ok]) => !ok).map(([, what]) => what);
  return broken.length === 0 ? null : `accepted an event breaking ${broken.join(', ')}: ${JSON.stringify(event).slice(0, 300)}`;
}

/** A rejection is a field and a reason; an acceptance keeps the contract (and, for a JSON object input, its type and subject). */
function checkResult(result: ValidationResult, input?: unknown): void {
  if (result.ok) {
    const breach = contractBreach(result.event);
    if (breach) throw new Error(breach);
    if (input !== undefined) {
      const object = input as Mutable;
      if (object.specversion !== '1.0' || EVENT_TYPES[result.event.kind] !== object.type || object.subject !== object.data?.dossierCode) {
        throw new Error(`accepted ${JSON.stringify(input).slice(0, 300)} as ${result.event.kind}`);
      }
    }
  } else if (typeof result.rejection.reason !== 'string' || result.rejection.reason.length === 0 || (result.rejection.field !== null && typeof result.rejection.field !== 'string')) {
    throw new Error(`a rejection without a reason: ${JSON.stringify(result.rejection)}`);
  }
}

const HEADER_NAMES = ['ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_time', 'ce_subject', 'CE_Type', 'content-type', 'Content-Type', 'ce_data', 'traceparent'];
const headerValue = (): fc.Arbitrary<KafkaHeaderValue> => {
  const one = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('1.0', EVENT_TYPES.received, 'application/json', '2025-03-04T08:30:00Z'), fc.uint8Array({ maxLength: 12 }).map((bytes) => Buffer.from(bytes)));
  return fc.oneof(one, fc.array(one, { minLength: 1, maxLength: 2 }), fc.constant(undefined));
};
const headers = () => fc.dictionary(fc.oneof(fc.constantFrom(...HEADER_NAMES), fc.string({ maxLength: 10 })), headerValue(), { maxKeys: 8 });

/** Bytes worth decoding: random ones, any JSON, and valid events cut, spliced or with a field given any JSON value. */
const messageBytes = () =>
  fc.oneof(
    fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
    fc.jsonValue({ maxDepth: 4 }).map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
    fc
      .tuple(validEvent(), fc.nat(), fc.nat({ max: 12 }), fc.string({ maxLength: 6 }))
      .map(([{ cloudEvent }, at, cut, insert]) => {
        const json = JSON.stringify(cloudEvent);
        const i = at % (json.length + 1);
        return Buffer.from(json.slice(0, i) + insert + json.slice(i + cut));
      }),
  );

/** A valid event with one field, anywhere in it, given any JSON value: close to valid, so the checks deep inside run. */
const nearlyValidEvent = () =>
  fc.tuple(validEvent(), fc.nat(), fc.jsonValue({ maxDepth: 2 })).map(([{ cloudEvent }, pick, value]) => {
    const event = structuredClone(cloudEvent) as Mutable;
    const paths: Array<[Mutable, string]> = [];
    const walk = (node: Mutable) => {
      for (const key of Object.keys(node)) {
        paths.push([node, key]);
        if (typeof node[key] === 'object' && node[key] !== null) walk(node[key]);
      }
    };
    walk(event);
    const [parent, key] = paths[pick % paths.length];
    parent[key] = value;
    return event;
  });

const CONTENT_TYPES = [MEDIA_TYPES.cloudEvent, MEDIA_TYPES.cloudEventBatch, 'application/json', `${MEDIA_TYPES.cloudEvent}; charset=latin1`, ''];

export function decoderProperties(): DecoderProperty[] {
  return [
    {
      name: 'a Kafka message, whatever its value and headers, is decoded without throwing, and kept to the contract',
      unitRuns: 1_500,
      property: fc.property(fc.oneof(messageBytes(), fc.constant(null)), headers(), (value, messageHeaders) => {
        checkResult(decodeKafkaMessage({ value, headers: messageHeaders }));
      }),
    },
    {
      name: 'an HTTP body, whatever its bytes and content type, is decoded without throwing, and each event kept to the contract',
      unitRuns: 1_000,
      property: fc.property(messageBytes(), fc.constantFrom(...CONTENT_TYPES), (body, contentType) => {
        const decoded = decodeHttpBody(contentType || undefined, body);
        if (!decoded.ok) {
          if (![400, 415].includes(decoded.status) || decoded.reason.length === 0) throw new Error(`refused without a reason: ${JSON.stringify(decoded)}`);
          return;
        }
        for (const item of decoded.items) checkResult(validateCloudEvent(item), item);
      }),
    },
    {
      name: 'an event with one field given any value is decoded without throwing on every channel, and kept to the contract',
      unitRuns: 1_000,
      property: fc.property(nearlyValidEvent(), (event) => {
        for (const [, result] of decodeOnEveryChannel(event as CloudEventV1<unknown>)) checkResult(result, event);
      }),
    },
    {
      name: 'an event breaking one rule of the contract is rejected on every channel',
      unitRuns: 1_000,
      property: fc.property(brokenEvent(), ({ rule, event }) => {
        for (const [channel, result] of decodeOnEveryChannel(event)) {
          if (result.ok) throw new Error(`${channel} accepted an event breaking "${rule}": ${JSON.stringify(event).slice(0, 400)}`);
        }
      }),
    },
    {
      name: 'a valid event is accepted on every channel as its canonical event, and the canonical encoding gives it back',
      unitRuns: 1_000,
      property: fc.property(validEvent(), ({ cloudEvent, canonical }) => {
        const expected = JSON.stringify(canonical, Object.keys(canonical).sort());
        for (const [channel, result] of decodeOnEveryChannel(cloudEvent)) {
          if (!result.ok) throw new Error(`${channel} rejected a valid event: ${result.rejection.reason}`);
          if (!sameJson(result.event, canonical)) throw new Error(`${channel} decoded ${JSON.stringify(result.event)}, not ${expected}`);
          const bytes = encodeCanonical(result.event);
          const decoded = decodeCanonical(bytes);
          if (!sameJson(decoded, result.event) || !encodeCanonical(decoded).equals(bytes)) throw new Error(`the canonical encoding of ${bytes.toString()} does not round-trip`);
        }
      }),
    },
  ];
}

/** Deep equality of JSON values, key order aside. */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a).sort();
  const keysB = Object.keys(b).sort();
  return keysA.length === keysB.length && keysA.every((key, i) => key === keysB[i] && sameJson((a as Mutable)[key], (b as Mutable)[key]));
}
