import type { AgencyRef, DossierEvent, ProcedureRef } from '@dvc/contracts';
import { EventStamp, supersedes } from './dossier-state';

export interface StampedReference<T> {
  stamp: EventStamp;
  value: T;
}

/**
 * The agency and procedure attributes a batch of events carries, the latest event winning per code
 * (the same rule as for dossiers, so the catalogue converges whatever the order).
 */
export function latestReferences(events: Iterable<DossierEvent>): {
  agencies: Map<string, StampedReference<AgencyRef>>;
  procedures: Map<string, StampedReference<ProcedureRef>>;
} {
  const agencies = new Map<string, StampedReference<AgencyRef>>();
  const procedures = new Map<string, StampedReference<ProcedureRef>>();
  for (const event of events) {
    const stamp = { time: event.time, id: event.id, source: event.source };
    keepLatest(agencies, event.agency.code, stamp, event.agency);
    keepLatest(procedures, event.procedure.code, stamp, event.procedure);
  }
  return { agencies, procedures };
}

function keepLatest<T>(map: Map<string, StampedReference<T>>, code: string, stamp: EventStamp, value: T): void {
  const current = map.get(code);
  if (!current || supersedes(stamp, current.stamp)) map.set(code, { stamp, value });
}
