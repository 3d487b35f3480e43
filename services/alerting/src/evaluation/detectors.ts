import { DayWindow, silentFor, WorkingSchedule } from '@dvc/domain';
import type { AlertRecord } from '../notifications/notices';
import type { AgencyInfo, PairCounts, ProcedureInfo } from './sweep-plan';

/**
 * The detectors that are not about a target, without I/O.
 *
 * Zero uptake: a procedure offered online (full or partial) at an agency that received at least
 * `minimumDossiers` dossiers in the window, none of them online. One open alert per agency × procedure
 * × window; it resolves as soon as one online dossier is counted (no hysteresis: the first online
 * dossier is exactly the news), when the procedure is no longer offered online, or when the window no
 * longer holds any dossier.
 *
 * Silent sources: a source whose latest event is at least `thresholdMs` of working time old. It
 * resolves when an event arrives (or when the source is no longer tracked).
 */

export interface ZeroUptakeEvaluation {
  received: number;
  receivedOnline: number;
  minimumDossiers: number;
  window: DayWindow;
}

export interface SpecialOpening {
  kind: 'zeroUptake' | 'silentSource';
  agencyCode: string | null;
  procedureCode: string | null;
  windowKind: string | null;
  sourceUri: string | null;
  severity: 'critical' | 'warning';
  evaluation: Record<string, unknown>;
  explanation: Record<string, unknown>;
}

export interface DetectorPlan {
  opened: SpecialOpening[];
  resolved: Array<{ id: string; reason: string; evaluation: Record<string, unknown> | null }>;
  stillOpen: Array<{ id: string; evaluation: Record<string, unknown> }>;
}

export function planZeroUptake(input: {
  pairs: readonly PairCounts[];
  window: DayWindow;
  windowKind: string;
  agencies: ReadonlyMap<string, AgencyInfo>;
  procedures: ReadonlyMap<string, ProcedureInfo>;
  open: readonly AlertRecord[];
  minimumDossiers: number;
}): DetectorPlan {
  const plan: DetectorPlan = { opened: [], resolved: [], stillOpen: [] };
  const key = (agency: string, procedure: string) => `${agency}\u0000${procedure}`;
  const counts = new Map(input.pairs.map((p) => [key(p.agencyCode, p.procedureCode), p.current]));
  const openKeys = new Set<string>();
  for (const alert of input.open) {
    if (alert.windowKind !== input.windowKind) continue;
    const k = key(alert.agencyCode!, alert.procedureCode!);
    openKeys.add(k);
    const current = counts.get(k);
    const evaluation = { received: current?.received ?? 0, receivedOnline: current?.receivedOnline ?? 0, minimumDossiers: input.minimumDossiers, window: input.window };
    const level = input.procedures.get(alert.procedureCode!)?.onlineLevel;
    if (evaluation.receivedOnline > 0) plan.resolved.push({ id: alert.id, reason: 'onlineUptake', evaluation });
    else if (level !== undefined && level !== 'full' && level !== 'partial') plan.resolved.push({ id: alert.id, reason: 'noLongerOffered', evaluation });
    else if (evaluation.received === 0) plan.resolved.push({ id: alert.id, reason: 'noDossiers', evaluation });
    else plan.stillOpen.push({ id: alert.id, evaluation });
  }
  for (const pair of input.pairs) {
    const procedure = input.procedures.get(pair.procedureCode);
    const agency = input.agencies.get(pair.agencyCode);
    if (!procedure || !agency || (procedure.onlineLevel !== 'full' && procedure.onlineLevel !== 'partial')) continue;
    if (pair.current.received < input.minimumDossiers || pair.current.receivedOnline > 0) continue;
    if (openKeys.has(key(pair.agencyCode, pair.procedureCode))) continue;
    plan.opened.push({
      kind: 'zeroUptake',
      agencyCode: pair.agencyCode,
      procedureCode: pair.procedureCode,
      windowKind: input.windowKind,
      sourceUri: null,
      severity: 'warning',
      evaluation: { received: pair.current.received, receivedOnline: 0, minimumDossiers: input.minimumDossiers, window: input.window },
      explanation: { agencyName: agency.name, procedureName: procedure.name, onlineLevel: procedure.onlineLevel, window: input.window },
    });
  }
  return plan;
}

export function planSilentSources(input: {
  activity: ReadonlyArray<{ sourceUri: string; lastEventAt: Date }>;
  open: readonly AlertRecord[];
  now: Date;
  thresholdMs: number;
  schedule: WorkingSchedule;
}): DetectorPlan {
  const plan: DetectorPlan = { opened: [], resolved: [], stillOpen: [] };
  const openBySource = new Map(input.open.map((a) => [a.sourceUri!, a]));
  for (const { sourceUri, lastEventAt } of input.activity) {
    const verdict = silentFor(lastEventAt, input.now, input.thresholdMs, input.schedule);
    const evaluation = { lastEventAt: lastEventAt.toISOString(), workingTimeSilentMs: verdict.workingTimeSilent, thresholdMs: input.thresholdMs, at: input.now.toISOString() };
    const open = openBySource.get(sourceUri);
    openBySource.delete(sourceUri);
    if (open) {
      if (verdict.isSilent) plan.stillOpen.push({ id: open.id, evaluation });
      else plan.resolved.push({ id: open.id, reason: 'eventsResumed', evaluation });
    } else if (verdict.isSilent) {
      plan.opened.push({
        kind: 'silentSource',
        agencyCode: null,
        procedureCode: null,
        windowKind: null,
        sourceUri,
        severity: 'critical',
        evaluation,
        explanation: { sourceUri, schedule: 'working time, Asia/Ho_Chi_Minh' },
      });
    }
  }
  // An open alert whose source is no longer tracked (its activity row was deleted by an operator).
  for (const alert of openBySource.values()) plan.resolved.push({ id: alert.id, reason: 'sourceRemoved', evaluation: null });
  return plan;
}
