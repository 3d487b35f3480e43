import { vietnamDayIndex, vietnamMidnight, vietnamYymmdd } from './vietnam-clock';

/**
 * Dossier codes in the one-stop systems' shape, `<agency code>-<yymmdd>-<sequence>`, e.g.
 * `000.00.17.H31-250304-0012`: a sequence per agency and Vietnamese day.
 *
 * With `fromClock` (live streaming) a sequence never runs behind the tenths of seconds since midnight,
 * so that a restarted simulator does not hand out the same codes again the same day (up to ten dossiers
 * a second per agency; more than that and a restart could reuse a code).
 */
export class DossierCodes {
  private readonly last = new Map<string, { day: number; sequence: number }>();

  constructor(private readonly fromClock = false) {}

  next(agencyCode: string, receivedMs: number): string {
    const day = vietnamDayIndex(receivedMs);
    let entry = this.last.get(agencyCode);
    if (entry === undefined || entry.day !== day) {
      entry = { day, sequence: 0 };
      this.last.set(agencyCode, entry);
    }
    entry.sequence += 1;
    if (this.fromClock) {
      entry.sequence = Math.max(entry.sequence, Math.floor((receivedMs - vietnamMidnight(day)) / 100));
    }
    const sequence = entry.sequence < 1000 ? String(entry.sequence).padStart(4, '0') : String(entry.sequence);
    return `${agencyCode}-${vietnamYymmdd(receivedMs)}-${sequence}`;
  }
}
