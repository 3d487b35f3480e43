import type { DossierEvent } from './dossier-event';

/** The canonical topic's message value: the validated event as JSON. */
export function encodeCanonical(event: DossierEvent): Buffer {
  return Buffer.from(JSON.stringify(event), 'utf8');
}

/** Trusts ingest, which alone writes the canonical topic: parsed, not validated again. */
export function decodeCanonical(bytes: Buffer): DossierEvent {
  return JSON.parse(bytes.toString('utf8')) as DossierEvent;
}
