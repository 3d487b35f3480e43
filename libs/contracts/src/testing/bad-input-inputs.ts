import type { CloudEventV1 } from '../cloud-event';
import type { DossierEventKind } from '../dossier-event';
import { exampleCloudEvent } from '../example-events';
import { MEDIA_TYPES } from '../media-type';

/**
 * The bad-input catalogue's vocabulary (bad-input-catalogue.ts): the channels, what a case sends on each and
 * what ingest answers, and how an event is written for each channel (structured JSON, binary headers + data, an
 * HTTP body). The cases themselves are in bad-input-cases.ts.
 */

export type Channel = 'kafka-structured' | 'kafka-binary' | 'http';
export const CHANNELS: readonly Channel[] = ['kafka-structured', 'kafka-binary', 'http'];

export type HeaderValue = string | Buffer | Array<string | Buffer>;

export interface KafkaInput {
  value: Buffer | null;
  headers: Record<string, HeaderValue>;
}

export interface HttpInput {
  contentType: string;
  body: Buffer;
}

/** A reason compared exactly, or by a pattern where it holds a parser's wording or a measured size. */
export type Reason = string | { pattern: RegExp; text: string };

/**
 * `deadLettered`: refused one by one, with the reason in the dead-letter record (and, over HTTP, in the
 * request's per-event results). `refused`: HTTP only, the whole request answered 4xx, nothing dead-lettered.
 */
export type Outcome =
  | { deadLettered: true; field: string | null; reason: Reason }
  | { deadLettered: false; status: number; reason: Reason };

export interface ChannelCase<I> {
  input: (event: RawEvent) => I;
  outcome: Outcome;
}

export interface BadInputCase {
  kind: string;
  example: string;
  /** The kind of valid event the case's input is made from; `received` when absent. */
  eventKind?: DossierEventKind;
  'kafka-structured'?: ChannelCase<KafkaInput>;
  'kafka-binary'?: ChannelCase<KafkaInput>;
  http?: ChannelCase<HttpInput>;
  /** Refused by the ingest service's settings (below), not by the contract library. */
  serviceSetting?: true;
}

/** A valid example event, with a case's own `id` and dossier; edited freely by the cases. */
export type RawEvent = CloudEventV1<Record<string, any>>;

/** The ingest settings the catalogue's HTTP limits assume (INGEST_HTTP_MAX_BODY_BYTES, INGEST_HTTP_MAX_BATCH_EVENTS). */
export const CATALOGUE_HTTP_LIMITS = { maxBodyBytes: 1024 * 1024, maxBatchEvents: 200 } as const;

export function catalogueEvent(kind: DossierEventKind, id: string, dossierCode: string): RawEvent {
  const event = exampleCloudEvent(kind) as RawEvent;
  event.id = id;
  event.subject = dossierCode;
  event.data.dossierCode = dossierCode;
  return event;
}

export const STRUCTURED_HEADERS = { 'content-type': MEDIA_TYPES.cloudEvent };
const DATA_MARK = '\u0000data\u0000';
export const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
export const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** Binary mode: every attribute present (not `data`) as a `ce_` header, `datacontenttype` as `content-type`. */
export function binaryHeaders(event: RawEvent): Record<string, HeaderValue> {
  const headers: Record<string, HeaderValue> = {};
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data' || value === undefined || value === null) continue;
    headers[name === 'datacontenttype' ? 'content-type' : `ce_${name}`] = String(value);
  }
  return headers;
}

/** The event as JSON text with its `data` written as `dataText`, which may be anything. */
export function withDataText(event: RawEvent, dataText: string): string {
  return JSON.stringify({ ...event, data: DATA_MARK }).replace(JSON.stringify(DATA_MARK), () => dataText);
}

export const http = (body: Buffer | string, contentType: string = MEDIA_TYPES.cloudEvent): HttpInput => ({
  contentType,
  body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
});

export const deadLettered = (field: string | null, reason: Reason): Outcome => ({ deadLettered: true, field, reason });

/** A valid event's input per channel, its `data` text edited as `dataTextCase` edits it (the look-alikes). */
export function eventInput(channel: 'kafka-structured' | 'kafka-binary', event: RawEvent, editData?: (dataText: string) => string): KafkaInput;
export function eventInput(channel: 'http', event: RawEvent, editData?: (dataText: string) => string): HttpInput;
export function eventInput(channel: Channel, event: RawEvent, editData: (dataText: string) => string = (text) => text): KafkaInput | HttpInput {
  const dataText = editData(JSON.stringify(event.data));
  if (channel === 'kafka-binary') return { value: Buffer.from(dataText, 'utf8'), headers: binaryHeaders(event) };
  const text = Buffer.from(withDataText(event, dataText), 'utf8');
  return channel === 'http' ? http(text) : { value: text, headers: STRUCTURED_HEADERS };
}

export function reasonText(reason: Reason): string {
  return typeof reason === 'string' ? reason : reason.text;
}

export function reasonMatches(reason: Reason, actual: string | undefined): boolean {
  return actual !== undefined && (typeof reason === 'string' ? actual === reason : reason.pattern.test(actual));
}
