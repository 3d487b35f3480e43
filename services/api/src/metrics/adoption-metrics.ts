import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';

/**
 * Adoption figures for Prometheus with BOUNDED labels: province (the root of an agency's hierarchy),
 * agency level, channel, timeliness, severity, source. Never agency × procedure: that explosion is what
 * the PostgreSQL panels and the rates API are for. The dashboards and recording rules use these names
 * (deploy/prometheus, deploy/grafana): renaming one breaks them.
 */
export const ADOPTION_METRICS = {
  received: 'dvc_adoption_dossiers_received',
  completed: 'dvc_adoption_dossiers_completed',
  targetRatio: 'dvc_adoption_target_ratio',
  pairsBelowTarget: 'dvc_adoption_pairs_below_target',
  zeroUptakePairs: 'dvc_adoption_zero_uptake_pairs',
  sourceLastEvent: 'dvc_source_last_event_timestamp_seconds',
  refreshFailures: 'dvc_adoption_refresh_failures_total',
} as const;

export const SEVERITIES = ['critical', 'warning'] as const;

export const ADOPTION_METRIC_PROVIDERS = [
  makeGaugeProvider({
    name: ADOPTION_METRICS.received,
    help: 'Dossiers received this month (Asia/Ho_Chi_Minh) to date, by province (root agency), agency level and channel (online, offline)',
    labelNames: ['province', 'agency_level', 'channel'],
  }),
  makeGaugeProvider({
    name: ADOPTION_METRICS.completed,
    help: 'Dossiers completed this month (Asia/Ho_Chi_Minh) to date, by province (root agency), agency level and timeliness (on_time, late)',
    labelNames: ['province', 'agency_level', 'timeliness'],
  }),
  makeGaugeProvider({
    name: ADOPTION_METRICS.targetRatio,
    help: 'Threshold of the enabled province-wide (scope all) target rules, by metric (onlineRate, onTimeRate) and severity',
    labelNames: ['metric', 'severity'],
  }),
  makeGaugeProvider({
    name: ADOPTION_METRICS.pairsBelowTarget,
    help: 'Agency × procedure pairs with an open (firing or acknowledged) below-target alert, by province and severity',
    labelNames: ['province', 'severity'],
  }),
  makeGaugeProvider({
    name: ADOPTION_METRICS.zeroUptakePairs,
    help: 'Agency × procedure pairs offered online with an open zero-uptake alert (dossiers received, none online), by province',
    labelNames: ['province'],
  }),
  makeGaugeProvider({
    name: ADOPTION_METRICS.sourceLastEvent,
    help: 'When ingest accepted the latest event of each source (one-stop system), Unix seconds',
    labelNames: ['source'],
  }),
  makeCounterProvider({
    name: ADOPTION_METRICS.refreshFailures,
    help: 'Refreshes of the adoption gauges from PostgreSQL that failed (the gauges keep their previous values)',
  }),
];

export interface ReceivedRow {
  province: string;
  agencyLevel: string;
  online: number;
  offline: number;
}

export interface CompletedRow {
  province: string;
  agencyLevel: string;
  onTime: number;
  late: number;
}

export interface AdoptionSnapshot {
  /** Every province (root agency) known, so that its alert gauges read 0 rather than nothing. */
  provinces: string[];
  received: ReceivedRow[];
  completed: CompletedRow[];
  targets: Array<{ metric: string; severity: string; threshold: number }>;
  pairsBelowTarget: Array<{ province: string; severity: string; pairs: number }>;
  zeroUptakePairs: Array<{ province: string; pairs: number }>;
  sources: Array<{ source: string; lastEventSeconds: number }>;
}

export interface AdoptionGauges {
  received: Gauge<'province' | 'agency_level' | 'channel'>;
  completed: Gauge<'province' | 'agency_level' | 'timeliness'>;
  targetRatio: Gauge<'metric' | 'severity'>;
  pairsBelowTarget: Gauge<'province' | 'severity'>;
  zeroUptakePairs: Gauge<'province'>;
  sourceLastEvent: Gauge<'source'>;
}

/**
 * Replaces every gauge's series by the snapshot's: reset first, so a label set that vanished (a
 * deleted target, a resolved alert's province, a new month) disappears. Synchronous: a scrape sees
 * either the previous snapshot or this one, never a mix.
 */
export function applyAdoptionSnapshot(gauges: AdoptionGauges, snapshot: AdoptionSnapshot): void {
  for (const gauge of Object.values(gauges)) gauge.reset();
  for (const row of snapshot.received) {
    gauges.received.set({ province: row.province, agency_level: row.agencyLevel, channel: 'online' }, row.online);
    gauges.received.set({ province: row.province, agency_level: row.agencyLevel, channel: 'offline' }, row.offline);
  }
  for (const row of snapshot.completed) {
    gauges.completed.set({ province: row.province, agency_level: row.agencyLevel, timeliness: 'on_time' }, row.onTime);
    gauges.completed.set({ province: row.province, agency_level: row.agencyLevel, timeliness: 'late' }, row.late);
  }
  for (const target of snapshot.targets) gauges.targetRatio.set({ metric: target.metric, severity: target.severity }, target.threshold);
  for (const province of snapshot.provinces) {
    for (const severity of SEVERITIES) gauges.pairsBelowTarget.set({ province, severity }, 0);
    gauges.zeroUptakePairs.set({ province }, 0);
  }
  for (const row of snapshot.pairsBelowTarget) gauges.pairsBelowTarget.set({ province: row.province, severity: row.severity }, row.pairs);
  for (const row of snapshot.zeroUptakePairs) gauges.zeroUptakePairs.set({ province: row.province }, row.pairs);
  for (const row of snapshot.sources) gauges.sourceLastEvent.set({ source: row.source }, row.lastEventSeconds);
}

/** Vietnam has kept UTC+7 without daylight saving since 1975. */
const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

/** The current month in Vietnam, as the first day and today (inclusive), `YYYY-MM-DD`: daily buckets are Vietnam days. */
export function vietnamMonthToDate(now: Date): { from: string; to: string } {
  const today = new Date(now.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
  return { from: `${today.slice(0, 8)}01`, to: today };
}
