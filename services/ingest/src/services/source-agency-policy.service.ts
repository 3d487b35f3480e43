import { Injectable } from '@nestjs/common';
import type { DossierEvent, Rejection } from '@dvc/contracts';
import { AgencyBinding, batchHierarchy, codesNeedingHierarchy, compileAgencyBinding, decideAgency } from '@dvc/domain';
import { IngestSource, IngestSourcesRepository } from '../repositories/ingest-sources.repository';

/**
 * Applies a source's agency binding to a batch of its valid events: one query for the recorded hierarchy of
 * the codes no pattern settles, then a pure decision per event (libs/domain/src/source-agencies.ts). An agency
 * whose parent is neither recorded nor named by the batch cannot be placed and is refused: a source that brings
 * many new agencies at once should be bound by a pattern (e.g. `*.H31`) or send the upper levels first.
 */
@Injectable()
export class SourceAgencyPolicy {
  /** Compiled bindings by their entries; sources share few distinct lists. */
  private readonly compiled = new Map<string, AgencyBinding>();

  constructor(private readonly sources: IngestSourcesRepository) {}

  /** The rejection of each event (same order), `null` for the allowed ones. */
  async check(source: IngestSource, events: readonly DossierEvent[]): Promise<Array<Rejection | null>> {
    if (events.length === 0) return [];
    const binding = this.bindingOf(source.allowedAgencies);
    const recorded = await this.sources.recordedAgencies(codesNeedingHierarchy(binding, events.map((event) => event.agency)));
    const hierarchy = batchHierarchy(recorded, events.map((event) => event.agency));
    return events.map((event) => {
      const decision = decideAgency(binding, source.sourceUri, event.agency, hierarchy);
      return decision.allowed ? null : { field: decision.field, reason: decision.reason };
    });
  }

  private bindingOf(entries: string[]): AgencyBinding {
    const key = entries.join('\n');
    let binding = this.compiled.get(key);
    if (!binding) {
      if (this.compiled.size > 1_000) this.compiled.clear();
      binding = compileAgencyBinding(entries);
      this.compiled.set(key, binding);
    }
    return binding;
  }
}
