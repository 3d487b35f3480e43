import type { DossierEvent } from './dossier-event';

/** Why an event was refused: `field` is the dotted path of the first failing field, `null` for the whole event. */
export interface Rejection {
  field: string | null;
  reason: string;
}

export type ValidationResult = { ok: true; event: DossierEvent } | { ok: false; rejection: Rejection };

export function rejected(field: string | null, reason: string): ValidationResult {
  return { ok: false, rejection: { field, reason } };
}
