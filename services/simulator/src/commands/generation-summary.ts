import { EVENT_TYPES } from '@dvc/contracts';
import type { GeneratedEvent } from '../generation/delivery-noise';

/** Counts what a generated stream holds, for the summary `generate` prints. */
export class GenerationSummary {
  events = 0;
  dossiers = 0;
  receivedOnline = 0;
  readonly byType = new Map<string, number>();
  readonly byNoise = new Map<string, number>();
  firstTime: string | null = null;
  lastTime: string | null = null;

  add({ event, noise }: GeneratedEvent): void {
    this.events++;
    this.byType.set(event.type, (this.byType.get(event.type) ?? 0) + 1);
    if (noise !== undefined) this.byNoise.set(noise, (this.byNoise.get(noise) ?? 0) + 1);
    // Late events are still first deliveries; copies and corrections are not new dossiers.
    if (noise !== undefined && noise !== 'out-of-order') return;
    if (noise === undefined) {
      this.firstTime ??= event.time;
      this.lastTime = event.time;
    }
    if (event.type === EVENT_TYPES.received) {
      this.dossiers++;
      if ((event.data as { channel?: string }).channel === 'online') this.receivedOnline++;
    }
  }

  format(elapsedMs: number, extra: Record<string, string | number>): string {
    const seconds = elapsedMs / 1000;
    const lines = [
      `events: ${this.events} in ${seconds.toFixed(2)} s (${Math.round(this.events / Math.max(seconds, 1e-3))} events/s)`,
      `dossiers received: ${this.dossiers}, online ${percent(this.receivedOnline, this.dossiers)}`,
      `event times: ${this.firstTime ?? '-'} … ${this.lastTime ?? '-'}`,
      `by type: ${[...this.byType].map(([type, n]) => `${type.replace('vn.gov.dvc.dossier.', '')} ${n}`).join(', ')}`,
      `noise: ${[...this.byNoise].map(([kind, n]) => `${kind} ${n}`).join(', ') || 'none'}`,
      ...Object.entries(extra).map(([key, value]) => `${key}: ${value}`),
    ];
    return lines.join('\n');
  }
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}
