import { exampleCloudEvent } from './example-events';
import { decodeKafkaMessage, encodeBinary, encodeStructured, KafkaHeaderValue } from './kafka-binding';
import { validateCloudEvent } from './validate-event';
import { ValidationResult } from './validation-result';

const expected = validateCloudEvent(exampleCloudEvent());

function asBuffers(headers: Record<string, string>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Buffer.from(value, 'utf8')]));
}

function rejectionOf(result: ValidationResult) {
  if (result.ok) throw new Error('the message was accepted');
  return result.rejection;
}

describe('decodeKafkaMessage: structured mode', () => {
  it('reads the whole event from the value, with no headers at all', () => {
    expect(expected.ok).toBe(true);
    expect(decodeKafkaMessage({ value: encodeStructured(exampleCloudEvent()) })).toEqual(expected);
  });

  it('welcomes the CloudEvents content-type, as a Buffer header too', () => {
    const value = encodeStructured(exampleCloudEvent());
    const headers = { 'content-type': Buffer.from('application/cloudevents+json; charset=utf-8') };
    expect(decodeKafkaMessage({ value, headers })).toEqual(expected);
  });

  it('ignores a leading byte order mark', () => {
    const value = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), encodeStructured(exampleCloudEvent())]);
    expect(decodeKafkaMessage({ value })).toEqual(expected);
  });

  it('validates the event like any other', () => {
    const event = exampleCloudEvent();
    event.subject = 'another dossier';
    expect(rejectionOf(decodeKafkaMessage({ value: encodeStructured(event) })).field).toBe('subject');
    const batch = Buffer.from(JSON.stringify([exampleCloudEvent()]));
    expect(rejectionOf(decodeKafkaMessage({ value: batch }))).toEqual({
      field: null,
      reason: 'the event must be a JSON object (got an array)',
    });
  });
});

describe('decodeKafkaMessage: binary mode', () => {
  it('reads attributes from Buffer ce_* headers and data from the value', () => {
    const { value, headers } = encodeBinary(exampleCloudEvent());
    expect(headers).toMatchObject({ ce_specversion: '1.0', ce_subject: '000.00.17.H31-250304-0012' });
    expect(decodeKafkaMessage({ value, headers: asBuffers(headers) })).toEqual(expected);
  });

  it('accepts string headers, single-element arrays, any header-name case and no content-type', () => {
    const { value, headers } = encodeBinary(exampleCloudEvent());
    const mixed: Record<string, KafkaHeaderValue> = { ...headers, ce_id: [headers.ce_id], traceparent: undefined };
    delete mixed['content-type'];
    mixed['Content-Type'] = 'application/json; charset=utf-8';
    expect(decodeKafkaMessage({ value, headers: mixed })).toEqual(expected);
    delete mixed['Content-Type'];
    expect(decodeKafkaMessage({ value, headers: mixed })).toEqual(expected);
  });

  it('writes extension attributes as ce_ headers', () => {
    const event = exampleCloudEvent();
    event.traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    event.partitionkey = event.subject;
    expect(encodeBinary(event).headers).toMatchObject({
      ce_traceparent: event.traceparent,
      ce_partitionkey: event.subject,
      'content-type': 'application/json',
    });
    expect(JSON.parse(encodeBinary(event).value.toString())).toEqual(event.data);
  });

  it('names the attribute whose header is missing, wrong or unreadable', () => {
    const { value, headers } = encodeBinary(exampleCloudEvent());
    const without = { ...headers };
    delete without.ce_subject;
    expect(rejectionOf(decodeKafkaMessage({ value, headers: without })).field).toBe('subject');
    const textPlain = { ...headers, 'content-type': 'text/plain' };
    expect(rejectionOf(decodeKafkaMessage({ value, headers: textPlain })).field).toBe('datacontenttype');
    const badUtf8 = { ...asBuffers(headers), ce_id: Buffer.from([0x69, 0xff, 0xfe]) };
    expect(rejectionOf(decodeKafkaMessage({ value, headers: badUtf8 }))).toEqual({
      field: 'id',
      reason: 'header ce_id is not valid UTF-8',
    });
    const twice = { ...headers, ce_type: [headers.ce_type, 'vn.gov.dvc.dossier.paid.v1'] };
    expect(rejectionOf(decodeKafkaMessage({ value, headers: twice }))).toEqual({
      field: 'type',
      reason: 'header ce_type appears 2 times; it must appear once',
    });
    const twoCases = { ...headers, CE_TYPE: 'vn.gov.dvc.dossier.paid.v1' };
    expect(rejectionOf(decodeKafkaMessage({ value, headers: twoCases }))).toEqual({
      field: 'type',
      reason: 'header ce_type appears 2 times; it must appear once',
    });
  });

  it('refuses a line break smuggled into an attribute header', () => {
    const { value, headers } = encodeBinary(exampleCloudEvent());
    const injected = { ...headers, ce_id: `${headers.ce_id}\r\nce_type: vn.gov.dvc.dossier.paid.v1` };
    expect(rejectionOf(decodeKafkaMessage({ value, headers: injected })).field).toBe('id');
  });

  it('rejects data that is not an object', () => {
    const { headers } = encodeBinary(exampleCloudEvent());
    expect(rejectionOf(decodeKafkaMessage({ value: Buffer.from('null'), headers }))).toEqual({
      field: 'data',
      reason: 'data must be an object (got null)',
    });
  });
});

describe('decodeKafkaMessage: unreadable messages', () => {
  const binaryHeaders = encodeBinary(exampleCloudEvent()).headers;

  it.each<[string, Buffer | null, Record<string, string>, RegExp]>([
    ['a null value', null, {}, /^the message value is empty; it must hold the event as JSON$/],
    ['an empty value', Buffer.alloc(0), {}, /^the message value is empty/],
    ['a null value in binary mode', null, binaryHeaders, /^the message value is empty; it must hold data as JSON$/],
    ['bad JSON', Buffer.from('{"specversion":"1.0",'), {}, /^the message value is not valid JSON: /],
    ['bad JSON in binary mode', Buffer.from('{data'), binaryHeaders, /^the message value is not valid JSON: /],
    ['non-UTF-8 bytes', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), {}, /^the message value is not valid UTF-8$/],
    ['an oversize value', Buffer.alloc(70_000, 0x20), {}, /^the event is 70000 bytes, more than the limit of 65536 bytes$/],
    ['a name twice in one object', Buffer.from('{"specversion":"1.0","specversion":"1.0"}'), {}, /^the message value has the name "specversion" twice in one object; names must be unique$/],
    ['an event nested too deep', Buffer.from('{"a":'.repeat(65) + '1' + '}'.repeat(65)), {}, /^the message value is nested more than 64 levels deep$/],
    // data is one level below the event, so its limit is one less.
    ['data nested too deep', Buffer.from('['.repeat(64) + ']'.repeat(64)), binaryHeaders, /^the message value is nested more than 63 levels deep$/],
  ])('rejects %s with no field', (_, value, headers, reason) => {
    expect(rejectionOf(decodeKafkaMessage({ value, headers }))).toEqual({ field: null, reason: expect.stringMatching(reason) });
  });

  it('counts ce_ headers, but not others, towards the size of a binary event', () => {
    const { value, headers } = encodeBinary(exampleCloudEvent());
    const bigExtension = { ...headers, ce_note: 'x'.repeat(65_536 - value.length) };
    expect(rejectionOf(decodeKafkaMessage({ value, headers: bigExtension })).field).toBeNull();
    const bigTracing = { ...headers, 'x-trace-baggage': 'x'.repeat(65_536) };
    expect(decodeKafkaMessage({ value, headers: bigTracing })).toEqual(expected);
  });
});
