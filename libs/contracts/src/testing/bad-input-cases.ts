import { EVENT_TYPES, type DossierEventKind } from '../dossier-event';
import { LIMITS } from '../limits';
import { MEDIA_TYPES } from '../media-type';
import { CATALOGUE_HTTP_LIMITS, STRUCTURED_HEADERS, binaryHeaders, deadLettered, http, json, nested, withDataText } from './bad-input-inputs';
import type { BadInputCase, HeaderValue, HttpInput, KafkaInput, Outcome, RawEvent, Reason } from './bad-input-inputs';

/**
 * Every kind of bad input the catalogue (bad-input-catalogue.ts, docs/bad-input.md) lists, and the look-alikes the
 * contract allows; the vocabulary and the encodings are in bad-input-inputs.ts.
 */

type Options = { binary?: Outcome | 'not applicable'; http?: Outcome | 'not applicable' };

/** An edit of the event as an object: the JSON of it in structured mode and over HTTP, headers and data in binary mode. */
function eventCase(kind: string, example: string, edit: (event: RawEvent) => void, field: string | null, reason: Reason, options: Options = {}): BadInputCase {
  const outcome = deadLettered(field, reason);
  const edited = (event: RawEvent) => (edit(event), event);
  return {
    kind,
    example,
    'kafka-structured': { input: (event) => ({ value: json(edited(event)), headers: STRUCTURED_HEADERS }), outcome },
    ...(options.binary === 'not applicable'
      ? {}
      : { 'kafka-binary': { input: (event) => binaryOf(edited(event)), outcome: options.binary ?? outcome } }),
    ...(options.http === 'not applicable' ? {} : { http: { input: (event) => http(json(edited(event))), outcome: options.http ?? outcome } }),
  };
}

function binaryOf(event: RawEvent): KafkaInput {
  return { value: json(event.data), headers: binaryHeaders(event) };
}

/** A problem of the JSON text as a whole: the Kafka message is dead-lettered, the HTTP request refused with 400. */
function problemOutcomes(problem: string, pattern?: RegExp): { kafka: Outcome; http: Outcome } {
  const reason = (what: string): Reason => (pattern ? { pattern: new RegExp(`^${what} ${pattern.source}`), text: `${what} ${problem}` } : `${what} ${problem}`);
  return { kafka: deadLettered(null, reason('the message value')), http: { deadLettered: false, status: 400, reason: reason('the request body') } };
}

/** Bytes made from the event's JSON text (structured mode, HTTP) or from its `data`'s (binary mode). */
function jsonProblem(kind: string, example: string, bytes: (text: string) => Buffer | null, problem: string, options: { pattern?: RegExp } = {}): BadInputCase {
  const outcomes = problemOutcomes(problem, options.pattern);
  return {
    kind,
    example,
    'kafka-structured': { input: (event) => ({ value: bytes(JSON.stringify(event)), headers: STRUCTURED_HEADERS }), outcome: outcomes.kafka },
    'kafka-binary': { input: (event) => ({ value: bytes(JSON.stringify(event.data)), headers: binaryHeaders(event) }), outcome: outcomes.kafka },
    http: { input: (event) => http(bytes(JSON.stringify(event)) ?? Buffer.alloc(0)), outcome: outcomes.http },
  };
}

/**
 * An edit of the text of `data` (what no object can hold: repeated names, `__proto__` keys, literals JSON lacks):
 * the whole event's text in structured mode and over HTTP, the value in binary mode. The outcome is a rejected
 * field, or a `problem` of the JSON as a whole (`binaryProblem` where binary mode's value, `data`, words it otherwise).
 */
function dataTextCase(
  kind: string,
  example: string,
  edit: (dataText: string) => string,
  outcome: { field: string | null; reason: string } | { problem: string; pattern?: RegExp; binaryProblem?: string },
): BadInputCase {
  const dataText = (event: RawEvent) => edit(JSON.stringify(event.data));
  const whole = (event: RawEvent) => Buffer.from(withDataText(event, dataText(event)), 'utf8');
  const problem = 'problem' in outcome ? problemOutcomes(outcome.problem, outcome.pattern) : null;
  const rejected = 'problem' in outcome ? null : deadLettered(outcome.field, outcome.reason);
  const binaryOutcome = 'problem' in outcome && outcome.binaryProblem ? deadLettered(null, `the message value ${outcome.binaryProblem}`) : null;
  return {
    kind,
    example,
    'kafka-structured': { input: (event) => ({ value: whole(event), headers: STRUCTURED_HEADERS }), outcome: problem?.kafka ?? rejected! },
    'kafka-binary': { input: (event) => ({ value: Buffer.from(dataText(event), 'utf8'), headers: binaryHeaders(event) }), outcome: binaryOutcome ?? problem?.kafka ?? rejected! },
    http: { input: (event) => http(whole(event)), outcome: problem?.http ?? rejected! },
  };
}

/** Binary mode only: the event's headers edited. */
function headerCase(kind: string, example: string, edit: (headers: Record<string, HeaderValue>, event: RawEvent) => void, field: string | null, reason: Reason): BadInputCase {
  return {
    kind,
    example,
    'kafka-binary': {
      input: (event) => {
        const message = binaryOf(event);
        edit(message.headers, event);
        return message;
      },
      outcome: deadLettered(field, reason),
    },
  };
}

/** HTTP only: a request refused as a whole. */
function requestCase(kind: string, example: string, input: (event: RawEvent) => HttpInput, status: number, reason: string, serviceSetting = false): BadInputCase {
  return { kind, example, http: { input, outcome: { deadLettered: false, status, reason } }, ...(serviceSetting ? { serviceSetting: true as const } : {}) };
}

const RFC3339 = 'must be an RFC 3339 date-time with an offset, e.g. 2025-03-04T08:30:00+07:00';
const instantReason = (field: string, text: string, detail: string) => `${field} ${RFC3339} (got ${JSON.stringify(text)}: ${detail})`;
const TYPES = Object.values(EVENT_TYPES).join(', ');
const CONTROLS = 'must not contain control characters (U+0000–U+001F, U+007F–U+009F)';
const OVERSIZE: Reason = { pattern: /^the event is \d+ bytes, more than the limit of 65536 bytes$/, text: 'the event is N bytes, more than the limit of 65536 bytes' };
const NOT_JSON = /is not valid JSON: .+$/;
const NOT_JSON_TEXT = "is not valid JSON: *the parser's message*";
const amount = (value: string) => (text: string) => text.replace('"amountVnd":8000', `"amountVnd":${value}`);
const paid = (badCase: BadInputCase): BadInputCase => ({ ...badCase, eventKind: 'paid' });
const completed = (badCase: BadInputCase): BadInputCase => ({ ...badCase, eventKind: 'completed' });

export const BAD_INPUT_CASES: readonly BadInputCase[] = [
  // The message or body as a whole
  {
    kind: 'tombstone',
    example: 'a Kafka record with a null value',
    'kafka-structured': { input: () => ({ value: null, headers: {} }), outcome: deadLettered(null, 'the message value is empty; it must hold the event as JSON') },
    'kafka-binary': { input: (event) => ({ value: null, headers: binaryHeaders(event) }), outcome: deadLettered(null, 'the message value is empty; it must hold data as JSON') },
  },
  {
    kind: 'empty value',
    example: 'zero bytes',
    'kafka-structured': { input: () => ({ value: Buffer.alloc(0), headers: STRUCTURED_HEADERS }), outcome: deadLettered(null, 'the message value is empty; it must hold the event as JSON') },
    'kafka-binary': { input: (event) => ({ value: Buffer.alloc(0), headers: binaryHeaders(event) }), outcome: deadLettered(null, 'the message value is empty; it must hold data as JSON') },
    http: { input: () => http(Buffer.alloc(0)), outcome: { deadLettered: false, status: 400, reason: 'the request body is empty; it must be JSON' } },
  },
  jsonProblem('only whitespace', '`" \\n"`', () => Buffer.from(' \n'), 'is not valid JSON: Unexpected end of JSON input'),
  jsonProblem('invalid UTF-8', 'byte `FF` inside a name', (text) => Buffer.concat([Buffer.from(text.slice(0, 40)), Buffer.from([0xff]), Buffer.from(text.slice(40))]), 'is not valid UTF-8'),
  jsonProblem('overlong UTF-8', '`C0 AF` (an overlong `/`) inside a string', (text) => Buffer.concat([Buffer.from(text.slice(0, 40)), Buffer.from([0xc0, 0xaf]), Buffer.from(text.slice(40))]), 'is not valid UTF-8'),
  jsonProblem('UTF-8 of a surrogate (CESU-8)', '`ED A0 BD ED B8 80` for 😀', (text) => Buffer.concat([Buffer.from(text.slice(0, 40)), Buffer.from([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]), Buffer.from(text.slice(40))]), 'is not valid UTF-8'),
  jsonProblem('UTF-16 instead of UTF-8', 'the event encoded as UTF-16LE', (text) => Buffer.from(text, 'utf16le'), 'is not valid UTF-8'),
  jsonProblem('truncated JSON', 'the event without its last 10 bytes', (text) => Buffer.from(text.slice(0, -10)), NOT_JSON_TEXT, { pattern: NOT_JSON }),
  jsonProblem('two events in one value', 'two JSON objects one after the other', (text) => Buffer.from(text + text), NOT_JSON_TEXT, { pattern: NOT_JSON }),
  jsonProblem('a comment in JSON', '`/* sent by motcua */` before the event', (text) => Buffer.from(`/* sent by motcua */ ${text}`), NOT_JSON_TEXT, { pattern: NOT_JSON }),
  paid(dataTextCase('NaN', '`"amountVnd": NaN`', amount('NaN'), { problem: NOT_JSON_TEXT, pattern: NOT_JSON })),
  paid(dataTextCase('Infinity', '`"amountVnd": Infinity`', amount('Infinity'), { problem: NOT_JSON_TEXT, pattern: NOT_JSON })),
  paid(dataTextCase('leading zeros in a number', '`"amountVnd": 08000`', amount('08000'), { problem: NOT_JSON_TEXT, pattern: NOT_JSON })),
  dataTextCase('a name twice in one object', '`"channel": "online", "channel": "postal"`', (text) => text.replace('"channel":"online"', '"channel":"online","channel":"postal"'), {
    problem: 'has the name "channel" twice in one object; names must be unique',
  }),
  dataTextCase('a name twice, once escaped', '`"dossierCode": …, "\\u0064ossierCode": …`', (text) => text.replace('"dossierCode":', '"\\u0064ossierCode":"000.00.17.H31-other","dossierCode":'), {
    problem: 'has the name "dossierCode" twice in one object; names must be unique',
  }),
  // Binary mode's value is `data`, one level below the event: its limit is one less.
  dataTextCase('nesting just past the limit', '63 arrays inside one another in an unknown field of `data` (65 levels)', (text) => text.replace('{', `{"extra":${nested(LIMITS.nestingDepth - 1)},`), {
    problem: 'is nested more than 64 levels deep',
    binaryProblem: 'is nested more than 63 levels deep',
  }),
  dataTextCase('deep nesting', '20,000 arrays inside one another in an unknown field', (text) => text.replace('{', `{"extra":${nested(20_000)},`), {
    problem: 'is nested more than 64 levels deep',
    binaryProblem: 'is nested more than 63 levels deep',
  }),
  eventCase('oversize event', 'an unknown field of 70,000 characters', (event) => (event.data.notes = 'ghi chú '.repeat(8_750)), null, OVERSIZE),
  eventCase('huge array', 'an unknown field holding 40,000 numbers', (event) => (event.data.attachments = new Array(40_000).fill(7)), null, OVERSIZE),
  {
    kind: 'an array instead of an object',
    example: '`[event]` (a batch sent as one message)',
    'kafka-structured': { input: (event) => ({ value: json([event]), headers: STRUCTURED_HEADERS }), outcome: deadLettered(null, 'the event must be a JSON object (got an array)') },
    'kafka-binary': { input: (event) => ({ value: json([event.data]), headers: binaryHeaders(event) }), outcome: deadLettered('data', 'data must be an object (got an array)') },
    http: { input: (event) => http(json([event])), outcome: deadLettered(null, 'the event must be a JSON object (got an array)') },
  },
  {
    kind: 'null instead of an object',
    example: '`null`',
    'kafka-structured': { input: () => ({ value: Buffer.from('null'), headers: STRUCTURED_HEADERS }), outcome: deadLettered(null, 'the event must be a JSON object (got null)') },
    'kafka-binary': { input: (event) => ({ value: Buffer.from('null'), headers: binaryHeaders(event) }), outcome: deadLettered('data', 'data must be an object (got null)') },
    http: { input: () => http('null'), outcome: deadLettered(null, 'the event must be a JSON object (got null)') },
  },
  {
    kind: 'the event encoded twice',
    example: 'a JSON string holding the event’s JSON',
    'kafka-structured': { input: (event) => ({ value: json(JSON.stringify(event)), headers: STRUCTURED_HEADERS }), outcome: deadLettered(null, { pattern: /^the event must be a JSON object \(got "\{\\"specversion\\":\\"1\.0\\",.*"…\)$/, text: 'the event must be a JSON object (got "{\\"specversion\\":\\"1.0\\",…"…)' }) },
    'kafka-binary': { input: (event) => ({ value: json(JSON.stringify(event.data)), headers: binaryHeaders(event) }), outcome: deadLettered('data', { pattern: /^data must be an object \(got "\{\\"dossierCode\\":.*"…\)$/, text: 'data must be an object (got "{\\"dossierCode\\":…"…)' }) },
    http: { input: (event) => http(json(JSON.stringify(event))), outcome: deadLettered(null, { pattern: /^the event must be a JSON object \(got "\{\\"specversion\\":\\"1\.0\\",.*"…\)$/, text: 'the event must be a JSON object (got "{\\"specversion\\":\\"1.0\\",…"…)' }) },
  },

  // HTTP requests
  requestCase('Content-Type not CloudEvents', '`Content-Type: application/json`', (event) => http(json(event), 'application/json'), 415, `Content-Type must be ${MEDIA_TYPES.cloudEvent} or ${MEDIA_TYPES.cloudEventBatch} (got "application/json")`),
  requestCase('a charset other than UTF-8', '`; charset=iso-8859-1`', (event) => http(json(event), `${MEDIA_TYPES.cloudEvent}; charset=iso-8859-1`), 415, 'charset must be utf-8 (got "iso-8859-1")'),
  requestCase('a batch that is not an array', 'one event as `application/cloudevents-batch+json`', (event) => http(json(event), MEDIA_TYPES.cloudEventBatch), 400, `a ${MEDIA_TYPES.cloudEventBatch} body must be a JSON array of events`),
  requestCase('a body over the limit', 'a batch of 1 MiB + 1 byte', (event) => http(Buffer.from(JSON.stringify([{ ...event, padding: 'x'.repeat(CATALOGUE_HTTP_LIMITS.maxBodyBytes) }])), MEDIA_TYPES.cloudEventBatch), 413, `the body may be at most ${CATALOGUE_HTTP_LIMITS.maxBodyBytes} bytes`, true),
  requestCase('a batch over the limit', `${CATALOGUE_HTTP_LIMITS.maxBatchEvents + 1} events in one batch`, (event) => http(json(new Array(CATALOGUE_HTTP_LIMITS.maxBatchEvents + 1).fill(event)), MEDIA_TYPES.cloudEventBatch), 413, `a batch may hold at most ${CATALOGUE_HTTP_LIMITS.maxBatchEvents} events (got ${CATALOGUE_HTTP_LIMITS.maxBatchEvents + 1})`, true),

  // Attributes
  eventCase('specversion not 1.0', '`"specversion": "0.3"`', (event) => (event.specversion = '0.3'), 'specversion', 'specversion must be "1.0" (got "0.3")'),
  eventCase('specversion a number', '`"specversion": 1.0`', (event) => ((event as any).specversion = 1.0), 'specversion', 'specversion must be "1.0" (got 1)', {
    binary: deadLettered('specversion', 'specversion must be "1.0" (got "1")'),
  }),
  eventCase('specversion missing', 'no `specversion` (binary: no `ce_specversion`, so read as structured)', (event) => delete (event as any).specversion, 'specversion', 'specversion is missing; it must be "1.0"'),
  eventCase('id missing', 'no `id`', (event) => delete (event as any).id, 'id', 'id is missing; it must be a string of 1–256 characters'),
  eventCase('id empty', '`"id": ""`', (event) => (event.id = ''), 'id', 'id must not be empty'),
  eventCase('id a number', '`"id": 42`', (event) => ((event as any).id = 42), 'id', 'id must be a string of 1–256 characters (got 42)', { binary: 'not applicable' }),
  eventCase('id too long', '257 characters', (event) => (event.id = 'i'.repeat(LIMITS.id + 1)), 'id', 'id must be at most 256 characters (got 257)'),
  eventCase('header injection: a line break in an attribute', '`ce_id: motcua-1\\r\\nce_type: …paid.v1`', (event) => (event.id = 'motcua-1\r\nce_type: vn.gov.dvc.dossier.paid.v1'), 'id', `id ${CONTROLS} (got "motcua-1\\r\\nce_type: vn.gov.dvc.dossier.paid.v1")`),
  eventCase('a control character in subject', '`ESC [2J` (clear screen) in `subject`', (event) => (event.subject = 'x\u001b[2J'), 'subject', `subject ${CONTROLS} (got "x\\u001b[2J")`),
  eventCase('U+0000 in id', '`"id": "motcua\\u00001"`', (event) => (event.id = 'motcua\u00001'), 'id', 'id must not contain the character U+0000'),
  eventCase('source with whitespace', '`"source": "urn:dvc:motcua hung-yen"`', (event) => (event.source = 'urn:dvc:motcua hung-yen'), 'source', 'source must be a URI-reference, without whitespace or control characters (got "urn:dvc:motcua hung-yen")'),
  eventCase('source too long', '1025 characters', (event) => (event.source = `urn:${'s'.repeat(LIMITS.source - 3)}`), 'source', 'source must be at most 1024 characters (got 1025)'),
  eventCase('unknown type', '`vn.gov.dvc.dossier.received.v2`', (event) => (event.type = 'vn.gov.dvc.dossier.received.v2'), 'type', `type must be one of ${TYPES} (got "vn.gov.dvc.dossier.received.v2")`),
  eventCase('type __proto__', '`"type": "__proto__"`', (event) => (event.type = '__proto__'), 'type', `type must be one of ${TYPES} (got "__proto__")`),
  eventCase('time without offset', '`2025-03-04T08:30:00`', (event) => (event.time = '2025-03-04T08:30:00'), 'time', instantReason('time', '2025-03-04T08:30:00', 'the offset (Z or ±hh:mm) is missing')),
  eventCase('time as epoch milliseconds', '`"time": 1741051800000`', (event) => ((event as any).time = 1741051800000), 'time', `time ${RFC3339} (got 1741051800000)`, {
    binary: deadLettered('time', instantReason('time', '1741051800000', 'not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)')),
  }),
  eventCase('time with a space for T', '`2025-03-04 08:30:00+07:00`', (event) => (event.time = '2025-03-04 08:30:00+07:00'), 'time', instantReason('time', '2025-03-04 08:30:00+07:00', 'date and time must be separated by T')),
  eventCase('date far past: before year 0000', '`0000-01-01T00:00:00+07:00` (1 BC in UTC)', (event) => (event.time = '0000-01-01T00:00:00+07:00'), 'time', instantReason('time', '0000-01-01T00:00:00+07:00', 'the UTC year falls outside 0000–9999')),
  eventCase('date far future: after year 9999', '`9999-12-31T23:30:00-01:00` (year 10000 in UTC)', (event) => (event.data.receivedAt = '9999-12-31T23:30:00-01:00'), 'data.receivedAt', instantReason('data.receivedAt', '9999-12-31T23:30:00-01:00', 'the UTC year falls outside 0000–9999')),
  eventCase('a five-digit year', '`10000-01-01T00:00:00Z`', (event) => (event.data.receivedAt = '10000-01-01T00:00:00Z'), 'data.receivedAt', instantReason('data.receivedAt', '10000-01-01T00:00:00Z', 'not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)')),
  eventCase('subject not the dossier code', '`subject` ≠ `data.dossierCode`', (event) => Object.assign(event, { subject: 'BAD-SUBJECT-2', data: { ...event.data, dossierCode: 'BAD-SUBJECT-1' } }), 'subject', 'subject must equal data.dossierCode "BAD-SUBJECT-1" (got "BAD-SUBJECT-2")'),
  eventCase('subject missing', 'no `subject`', (event) => delete (event as any).subject, 'subject', 'subject is missing; it must be a string of 1–64 characters'),
  eventCase('datacontenttype not JSON', '`text/plain` (binary: `content-type: text/plain`)', (event) => (event.datacontenttype = 'text/plain'), 'datacontenttype', 'datacontenttype must be application/json when present (got "text/plain")'),

  // Binary mode's headers
  headerCase('binary: a header twice', '`ce_type` given twice', (headers, event) => (headers.ce_type = [event.type, EVENT_TYPES.paid]), 'type', 'header ce_type appears 2 times; it must appear once'),
  headerCase('binary: a header twice, in two cases', '`ce_type` and `CE_TYPE`', (headers) => (headers.CE_TYPE = EVENT_TYPES.paid), 'type', 'header ce_type appears 2 times; it must appear once'),
  headerCase('binary: a header not UTF-8', '`ce_id` holding byte `FF`', (headers) => (headers.ce_id = Buffer.from([0x69, 0xff, 0xfe])), 'id', 'header ce_id is not valid UTF-8'),
  {
    kind: 'binary: the structured event as the value',
    example: 'the whole event as the value beside `ce_` headers',
    'kafka-binary': {
      input: (event) => ({ value: json(event), headers: binaryHeaders(event) }),
      outcome: deadLettered('data.dossierCode', 'data.dossierCode is missing; it must be a string of 1–64 characters'),
    },
  },
  headerCase('binary: the CloudEvents media type', '`content-type: application/cloudevents+json` with `ce_` headers', (headers) => (headers['content-type'] = MEDIA_TYPES.cloudEvent), 'datacontenttype', `datacontenttype must be application/json when present (got "${MEDIA_TYPES.cloudEvent}")`),
  headerCase('binary: attributes over the size limit', 'a `ce_note` header of 70,000 characters', (headers) => (headers.ce_note = 'x'.repeat(70_000)), null, OVERSIZE),

  // Data
  eventCase('data missing', 'no `data`', (event) => delete (event as any).data, 'data', 'data is missing; it must be an object', { binary: 'not applicable' }),
  eventCase('dossierCode too long', '65 characters', (event) => (event.data.dossierCode = 'x'.repeat(LIMITS.code + 1)), 'data.dossierCode', 'data.dossierCode must be at most 64 characters (got 65)'),
  eventCase('procedure a string', '`"procedure": "Đăng ký khai sinh"`', (event) => ((event.data as any).procedure = 'Đăng ký khai sinh'), 'data.procedure', 'data.procedure must be an object (got "Đăng ký khai sinh")'),
  eventCase('a code as a number', '`"procedure": {"code": 1001612, …}`', (event) => ((event.data.procedure as any).code = 1001612), 'data.procedure.code', 'data.procedure.code must be a string of 1–64 characters (got 1001612)'),
  eventCase('U+0000 in a name', '`"name": "Đăng ký\\u0000"`', (event) => (event.data.procedure.name = 'Đăng ký\u0000'), 'data.procedure.name', 'data.procedure.name must not contain the character U+0000'),
  eventCase('a name too long', '513 characters', (event) => (event.data.agency.name = 'n'.repeat(LIMITS.name + 1)), 'data.agency.name', 'data.agency.name must be at most 512 characters (got 513)'),
  eventCase('an unpaired surrogate', '`"name": "UBND \\ud800"`', (event) => (event.data.agency.name = 'UBND \ud800'), 'data.agency.name', 'data.agency.name must not contain an unpaired surrogate (U+D800–U+DFFF)'),
  eventCase('enum in the wrong case', '`"onlineLevel": "FULL"`', (event) => ((event.data.procedure as any).onlineLevel = 'FULL'), 'data.procedure.onlineLevel', 'data.procedure.onlineLevel must be one of full, partial, none (got "FULL")'),
  eventCase('enum value "constructor"', '`"level": "constructor"`', (event) => ((event.data.agency as any).level = 'constructor'), 'data.agency.level', 'data.agency.level must be one of ministry, province, department, district, commune, other (got "constructor")'),
  eventCase('parentCode empty', '`"parentCode": ""`', (event) => (event.data.agency.parentCode = ''), 'data.agency.parentCode', 'data.agency.parentCode must not be empty'),
  eventCase('applicant a string', '`"applicant": "citizen"`', (event) => ((event.data as any).applicant = 'citizen'), 'data.applicant', 'data.applicant must be an object (got "citizen")'),
  eventCase('unknown channel', '`"channel": "fax"`', (event) => ((event.data as any).channel = 'fax'), 'data.channel', 'data.channel must be one of online, in_person, postal (got "fax")'),
  dataTextCase('a field supplied through __proto__', '`"__proto__": {"channel": "online"}` instead of `channel`', (text) => text.replace('"channel":"online"', '"__proto__":{"channel":"online"}'), {
    field: 'data.channel',
    reason: 'data.channel is missing; it must be one of online, in_person, postal',
  }),
  dataTextCase('an object supplied through constructor', '`"agency": {"constructor": {…the agency…}}`', (text) => text.replace(/"agency":(\{[^}]*\})/, '"agency":{"constructor":$1}'), {
    field: 'data.agency.code',
    reason: 'data.agency.code is missing; it must be a string of 1–64 characters',
  }),
  eventCase('impossible date', '`2025-02-30T08:30:00+07:00`', (event) => (event.data.receivedAt = '2025-02-30T08:30:00+07:00'), 'data.receivedAt', instantReason('data.receivedAt', '2025-02-30T08:30:00+07:00', '2025-02-30 is not a calendar date')),
  eventCase('29 February of a common year', '`2025-02-29T08:30:00+07:00`', (event) => (event.data.receivedAt = '2025-02-29T08:30:00+07:00'), 'data.receivedAt', instantReason('data.receivedAt', '2025-02-29T08:30:00+07:00', '2025-02-29 is not a calendar date')),
  eventCase('month 13', '`2025-13-01T08:30:00+07:00`', (event) => (event.data.receivedAt = '2025-13-01T08:30:00+07:00'), 'data.receivedAt', instantReason('data.receivedAt', '2025-13-01T08:30:00+07:00', 'month 13 does not exist')),
  eventCase('hour 24', '`2025-03-04T24:00:00+07:00`', (event) => (event.data.receivedAt = '2025-03-04T24:00:00+07:00'), 'data.receivedAt', instantReason('data.receivedAt', '2025-03-04T24:00:00+07:00', 'hour 24 is out of range 00–23')),
  eventCase('a leap second', '`2016-12-31T23:59:60Z`', (event) => (event.data.dueAt = '2016-12-31T23:59:60Z'), 'data.dueAt', instantReason('data.dueAt', '2016-12-31T23:59:60Z', 'leap seconds (second 60) are not accepted')),
  eventCase('a date without a time', '`"dueAt": "2025-03-10"`', (event) => (event.data.dueAt = '2025-03-10'), 'data.dueAt', instantReason('data.dueAt', '2025-03-10', 'not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)')),
  eventCase('an offset out of range', '`+25:00`', (event) => (event.data.receivedAt = '2025-03-05T14:00:00+25:00'), 'data.receivedAt', instantReason('data.receivedAt', '2025-03-05T14:00:00+25:00', 'offset +25:00 is out of range ±00:00–±23:59')),
  eventCase('ten fraction digits', '`08:45:00.1234567891+07:00`', (event) => (event.data.receivedAt = '2025-03-04T08:45:00.1234567891+07:00'), 'data.receivedAt', instantReason('data.receivedAt', '2025-03-04T08:45:00.1234567891+07:00', 'at most 9 fraction digits are accepted')),
  completed(eventCase('completedAt missing', 'a completed event without `completedAt`', (event) => delete (event.data as any).completedAt, 'data.completedAt', `data.completedAt is missing; it ${RFC3339}`)),
  completed(eventCase('unknown outcome', '`"outcome": "cancelled"`', (event) => ((event.data as any).outcome = 'cancelled'), 'data.outcome', 'data.outcome must be one of approved, rejected, returned (got "cancelled")')),
  paid(eventCase('a number as a string', '`"amountVnd": "8000"`', (event) => (event.data.amountVnd = '8000'), 'data.amountVnd', 'data.amountVnd must be an integer from 0 to 9007199254740991 (got "8000")')),
  paid(eventCase('a negative amount', '`"amountVnd": -1`', (event) => (event.data.amountVnd = -1), 'data.amountVnd', 'data.amountVnd must be an integer from 0 to 9007199254740991 (got -1)')),
  paid(eventCase('a fractional amount', '`"amountVnd": 8000.5`', (event) => (event.data.amountVnd = 8000.5), 'data.amountVnd', 'data.amountVnd must be an integer from 0 to 9007199254740991 (got 8000.5)')),
  paid(dataTextCase('an exponent making a fraction', '`"amountVnd": 8e-1`', amount('8e-1'), { field: 'data.amountVnd', reason: 'data.amountVnd must be an integer from 0 to 9007199254740991 (got 0.8)' })),
  paid(dataTextCase('an exponent past the largest number', '`"amountVnd": 1e400`', amount('1e400'), { field: 'data.amountVnd', reason: 'data.amountVnd must be an integer from 0 to 9007199254740991 (got Infinity)' })),
  paid(dataTextCase('an integer past 2^53', '`"amountVnd": 9007199254740993`', amount('9007199254740993'), { field: 'data.amountVnd', reason: 'data.amountVnd must be an integer from 0 to 9007199254740991 (got 9007199254740992)' })),
  paid(eventCase('amount null', '`"amountVnd": null`', (event) => (event.data.amountVnd = null), 'data.amountVnd', 'data.amountVnd must be an integer from 0 to 9007199254740991 (got null)')),
  paid(eventCase('unknown payment method', '`"method": "cash"`', (event) => (event.data.method = 'cash'), 'data.method', 'data.method must be one of online, offline (got "cash")')),
];

/** Input that looks wrong but that the contract allows: accepted, and what the canonical event holds. */
export interface AcceptedCase {
  kind: string;
  example: string;
  why: string;
  eventKind?: DossierEventKind;
  /** An edit of the text of `data`, sent on every channel as `dataTextCase` sends it. */
  editData: (dataText: string) => string;
  /** Fields the canonical event holds. */
  canonical: Partial<Record<string, unknown>>;
}

const accepted = (kind: string, example: string, why: string, editData: (dataText: string) => string, canonical: Partial<Record<string, unknown>>, eventKind?: DossierEventKind): AcceptedCase =>
  ({ kind, example, why, editData, canonical, ...(eventKind ? { eventKind } : {}) });
const swap = (from: string, to: string) => (text: string) => text.replace(from, to);
const RECEIVED_AT = '"receivedAt":"2025-03-04T08:30:00+07:00"';

export const ACCEPTED_CASES: readonly AcceptedCase[] = [
  accepted('completedAt before receivedAt', 'completed 2025-03-01 for a dossier received 2025-03-04', 'each event is judged alone; the received event may come later, from another system, or never',
    swap('"completedAt":"2025-03-07T10:15:00+07:00"', '"completedAt":"2025-03-01T10:15:00+07:00"'), { kind: 'completed', completedAt: '2025-03-01T03:15:00.000000000Z' }, 'completed'),
  accepted('dueAt before receivedAt', 'due 2025-03-01, received 2025-03-04', 'the contract sets no order between them; such a dossier is late from the start',
    swap('"dueAt":"2025-03-10T17:00:00+07:00"', '"dueAt":"2025-03-01T17:00:00+07:00"'), { dueAt: '2025-03-01T10:00:00.000000000Z' }),
  accepted('a date far in the past', '`"receivedAt": "0001-01-01T00:00:00Z"`', 'RFC 3339 allows years 0000–9999 and the contract sets no plausible range',
    swap(RECEIVED_AT, '"receivedAt":"0001-01-01T00:00:00Z"'), { receivedAt: '0001-01-01T00:00:00.000000000Z' }),
  accepted('a date far in the future', '`"receivedAt": "9999-12-31T23:59:59Z"`', 'as above', swap(RECEIVED_AT, '"receivedAt":"9999-12-31T23:59:59Z"'), { receivedAt: '9999-12-31T23:59:59.000000000Z' }),
  accepted('an integer written with an exponent', '`"amountVnd": 8e3`', 'JSON numbers have no integer type: 8e3 is the number 8000', amount('8e3'), { amountVnd: 8000 }, 'paid'),
  accepted('an integer written with a zero fraction', '`"amountVnd": 8000.0`', 'the same number as 8000', amount('8000.0'), { amountVnd: 8000 }, 'paid'),
  accepted('__proto__ and constructor as unknown fields', '`"__proto__": {"polluted": true}, "constructor": {"prototype": {}}` in `data`',
    'unknown fields are ignored and not stored; JSON.parse makes them plain own properties, nothing is polluted',
    swap('{', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},'), { kind: 'received' }),
  accepted('nesting at the limit', '62 arrays inside one another in an unknown field of `data` (64 levels)',
    'the limit is 64 levels for the event (binary mode: 63 for `data`; HTTP batch: 65 for the body)', swap('{', `{"extra":${nested(LIMITS.nestingDepth - 2)},`), { kind: 'received' }),
];
