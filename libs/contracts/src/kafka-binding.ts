import { isUtf8 } from 'node:buffer';
import { CloudEventV1 } from './cloud-event';
import { JsonObject } from './field-checks';
import { parseJsonBytes } from './json-bytes';
import { LIMITS } from './limits';
import { MEDIA_TYPES } from './media-type';
import { validateCloudEvent } from './validate-event';
import { rejected, ValidationResult } from './validation-result';

export type KafkaHeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** The part of a kafkajs message the binding reads. */
export interface KafkaMessageLike {
  value: Buffer | null;
  headers?: Record<string, KafkaHeaderValue>;
}

export interface KafkaBinaryMessage {
  value: Buffer;
  headers: Record<string, string>;
}

/** Attributes that travel as `ce_<name>` headers in binary mode; `datacontenttype` is `content-type`. */
const HEADER_ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'time', 'subject'] as const;
const NOT_EXTENSIONS = new Set<string>([...HEADER_ATTRIBUTES, 'datacontenttype', 'data']);
const CONTENT_TYPE = 'content-type';

class HeaderProblem {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {}
}

/**
 * Decodes a message of the public topic by the CloudEvents Kafka binding and validates it: binary mode
 * when a `ce_specversion` header is present, otherwise structured mode whatever the content-type.
 */
export function decodeKafkaMessage(msg: KafkaMessageLike): ValidationResult {
  const headers = headersByLowerCaseName(msg.headers);
  const binary = headers.get('ce_specversion') !== undefined;
  const value = msg.value;
  if (value === null || value.length === 0) {
    return rejected(null, `the message value is empty; it must hold ${binary ? 'data' : 'the event'} as JSON`);
  }
  const size = value.length + (binary ? headersSize(headers) : 0);
  if (size > LIMITS.eventBytes) {
    return rejected(null, `the event is ${size} bytes, more than the limit of ${LIMITS.eventBytes} bytes`);
  }
  // In binary mode the value is `data`, a level below the event whose nesting the limit counts.
  const parsed = parseJsonBytes(value, 'the message value', binary ? LIMITS.nestingDepth - 1 : LIMITS.nestingDepth);
  if (!parsed.ok) return rejected(null, parsed.reason);
  if (!binary) return validateCloudEvent(parsed.value, { sizeBytes: size });

  const event: JsonObject = {};
  try {
    for (const attribute of HEADER_ATTRIBUTES) {
      const text = headerText(headers, `ce_${attribute}`, attribute);
      if (text !== undefined) event[attribute] = text;
    }
    const contentType = headerText(headers, CONTENT_TYPE, 'datacontenttype');
    if (contentType !== undefined) event.datacontenttype = contentType;
  } catch (e) {
    if (e instanceof HeaderProblem) return rejected(e.field, e.reason);
    throw e;
  }
  event.data = parsed.value;
  return validateCloudEvent(event, { sizeBytes: size });
}

/** The whole event as JSON, for the message value in structured mode. */
export function encodeStructured(ce: CloudEventV1<unknown>): Buffer {
  return Buffer.from(JSON.stringify(ce), 'utf8');
}

/** `data` as the value and every other attribute (extensions included) as a header. */
export function encodeBinary(ce: CloudEventV1<unknown>): KafkaBinaryMessage {
  const headers: Record<string, string> = {};
  for (const attribute of HEADER_ATTRIBUTES) headers[`ce_${attribute}`] = String(ce[attribute]);
  headers[CONTENT_TYPE] = ce.datacontenttype ?? MEDIA_TYPES.json;
  for (const [name, value] of Object.entries(ce)) {
    const scalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    if (!NOT_EXTENSIONS.has(name) && scalar) headers[`ce_${name}`] = String(value);
  }
  return { value: Buffer.from(JSON.stringify(ce.data), 'utf8'), headers };
}

/**
 * Header names are matched whatever their case, so `CE_TYPE` beside `ce_type` is one header given twice,
 * refused as such: letting either one win would let a producer smuggle a second value past a filter.
 */
function headersByLowerCaseName(headers: KafkaMessageLike['headers']): Map<string, KafkaHeaderValue> {
  const byName = new Map<string, KafkaHeaderValue>();
  if (headers === undefined) return byName;
  for (const name of Object.keys(headers)) {
    const lowerCase = name.toLowerCase();
    const value = headers[name];
    const seen = byName.get(lowerCase);
    byName.set(lowerCase, seen === undefined ? value : value === undefined ? seen : [seen, value].flat());
  }
  return byName;
}

function headerText(headers: Map<string, KafkaHeaderValue>, name: string, field: string): string | undefined {
  let value = headers.get(name);
  if (Array.isArray(value)) {
    if (value.length > 1) throw new HeaderProblem(field, `header ${name} appears ${value.length} times; it must appear once`);
    value = value[0];
  }
  if (value === undefined || typeof value === 'string') return value;
  if (!isUtf8(value)) throw new HeaderProblem(field, `header ${name} is not valid UTF-8`);
  return value.toString('utf8');
}

function headersSize(headers: Map<string, KafkaHeaderValue>): number {
  let size = 0;
  for (const [name, value] of headers) {
    if (!name.startsWith('ce_') && name !== CONTENT_TYPE) continue; // tracing and other headers are not the event
    size += name.length;
    for (const part of Array.isArray(value) ? value : [value]) {
      if (part !== undefined) size += typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : part.length;
    }
  }
  return size;
}
