import { z } from 'zod';
import { parseCidrList } from '@dvc/domain';
import { checkKafkaSecurity, checkSecrets, civilDayList, commonEnvironment, httpEnvironment, secretsEnvironment } from '@dvc/config';
import { DEFAULT_TOPICS } from '@dvc/contracts';
import { parseWorkingWindows, type EvaluationWindowSpec, type WorkingSchedule } from '@dvc/domain';

/** An evaluation window as configured and as stored in `alerts.window_kind`: `monthToDate` or `rolling<N>d`. */
export interface ConfiguredWindow {
  kind: string;
  spec: EvaluationWindowSpec;
}

/** Parses `monthToDate,rolling30d` into windows; throws with the offending item. */
export function parseWindows(value: string): ConfiguredWindow[] {
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) throw new Error('at least one window is needed');
  const windows: ConfiguredWindow[] = [];
  for (const item of items) {
    if (item === 'monthToDate') {
      windows.push({ kind: item, spec: { kind: 'monthToDate' } });
      continue;
    }
    const match = /^rolling([1-9]\d*)d$/.exec(item);
    if (!match || Number(match[1]) > 366) throw new Error(`"${item}" is not monthToDate or rolling<1..366>d`);
    windows.push({ kind: item, spec: { kind: 'rollingDays', days: Number(match[1]) } });
  }
  if (new Set(windows.map((w) => w.kind)).size !== windows.length) throw new Error('a window is listed twice');
  return windows;
}

const windowList = z.string().transform((value, context) => {
  try {
    return parseWindows(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

/** One window (`monthToDate` or `rolling<N>d`). */
const singleWindow = windowList.refine((windows) => windows.length === 1, 'exactly one window').transform((windows) => windows[0]);

const emailList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
  .refine((items) => items.every((item) => /^[^@\s]+@[^@\s]+$/.test(item)), 'must be a comma list of e-mail addresses');

const weekdayList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean).map(Number))
  .refine((days) => days.length > 0 && days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7), 'must be a comma list of ISO weekdays 1–7');

const workingWindows = z.string().transform((value, context) => {
  try {
    return parseWorkingWindows(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

export const alertingEnvironment = commonEnvironment.extend(httpEnvironment(3004).shape).extend(secretsEnvironment.shape).extend({
  TOPIC_ALERTS: z.string().min(1).default(DEFAULT_TOPICS.alerts),
  /** Time between two sweeps over every agency and agency × procedure. */
  ALERT_SWEEP_INTERVAL_MS: z.coerce.number().int().min(500).max(24 * 3_600_000).default(60_000),
  /**
   * A sweep over every agency at least this often; the sweeps between evaluate only the agencies whose buckets
   * changed since (evaluation/sweep-mode.ts). 0: every sweep over every agency.
   */
  ALERT_FULL_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).max(7 * 24 * 3_600_000).default(3_600_000),
  /** Evaluate the agencies named on the aggregator's rate-change topic soon after their numbers changed. */
  ALERT_CHANGE_EVALUATION_ENABLED: booleanFlag.default(true),
  /** Rate changes arriving within this delay are coalesced into one evaluation of their agencies. */
  ALERT_CHANGE_DEBOUNCE_MS: z.coerce.number().int().min(0).max(60_000).default(500),
  /** Consumer group that reads the rate-change topic. */
  ALERT_RATE_CHANGES_GROUP_ID: z.string().min(1).default('dvc-alerting-rate-changes'),
  /** Windows judged, comma-separated: `monthToDate` and/or `rolling<N>d`. */
  ALERT_WINDOWS: windowList.default(parseWindows('monthToDate,rolling30d')),
  /** Dossiers (the rate's denominator) needed before an alert fires or resolves. */
  ALERT_MIN_DOSSIERS: z.coerce.number().int().min(1).default(30),
  /** Points above the threshold a rate must reach to resolve (0.05 = 5 points). */
  ALERT_RESOLVE_MARGIN: z.coerce.number().min(0).max(0.5).default(0.05),
  /** Procedures listed as pulling an agency's rate down. */
  ALERT_TOP_PROCEDURES: z.coerce.number().int().min(0).max(50).default(5),
  /** Redis leader lock: only the holder sweeps. PostgreSQL's advisory lock guards the sweep regardless. */
  ALERT_LEADER_LOCK_ENABLED: booleanFlag.default(true),
  ALERT_LEADER_LOCK_KEY: z.string().min(1).default('dvc:alerting:leader'),
  ALERT_LEADER_LOCK_TTL_MS: z.coerce.number().int().min(1_000).max(600_000).default(15_000),
  /** SMTP server, e.g. smtp://user:pass@mail.example.gov.vn:587 or smtps://… */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).default('smtp://127.0.0.1:1025'),
  SMTP_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(15_000),
  ALERT_FROM: z.string().min(3).default('DVC Monitor <dvc-monitor@localhost>'),
  /** How often the dispatcher looks for due notifications when idle. */
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  /** Notifications sent at the same time by one instance. */
  OUTBOX_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  /**
   * Kafka notices (lifecycle events to the alerts topic) sent in one produce request and one transaction, at
   * most: a first sweep of a new province enqueues tens of thousands of them. E-mails and webhooks are always
   * one per transaction.
   */
  OUTBOX_KAFKA_BATCH: z.coerce.number().int().min(1).max(5_000).default(500),
  /** Attempts before a notification is marked failed. */
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(12),
  OUTBOX_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(2_000),
  OUTBOX_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(15 * 60_000),
  /** An alert still firing (not acknowledged) this long after it opened is escalated once to the parent agency. */
  ALERT_ESCALATE_AFTER_MS: z.coerce.number().int().min(1_000).default(24 * 3_600_000),
  /** While an alert stays firing, a reminder every this long (counted from its opening). */
  ALERT_REMIND_EVERY_MS: z.coerce.number().int().min(1_000).default(7 * 24 * 3_600_000),
  /** Webhook request timeout. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Webhook answers are read up to this many bytes (the status is what counts); the rest is never read. */
  WEBHOOK_MAX_RESPONSE_BYTES: z.coerce.number().int().min(0).max(10 * 1024 * 1024).default(65_536),
  /** Plain http:// webhooks (a receiver inside the data center without TLS). Off: https only. */
  WEBHOOK_ALLOW_HTTP: booleanFlag.default(false),
  /**
   * Comma-separated CIDRs or addresses webhooks may reach although they are loopback, private, link-local or
   * other special-purpose ranges (refused otherwise), e.g. `10.20.0.0/16` for the data center's own receivers.
   */
  WEBHOOK_ALLOWED_CIDRS: z
    .string()
    .default('')
    .superRefine((value, context) => {
      const parsed = parseCidrList(value);
      if (!parsed.ok) context.addIssue({ code: 'custom', message: parsed.problems.join('; ') });
    }),
  /** Alertmanager base URL (alerts go to `<url>/api/v2/alerts`); unset: no Alertmanager push. */
  ALERTMANAGER_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** How often open alerts are pushed again to Alertmanager (it forgets alerts not re-sent). */
  ALERTMANAGER_RESEND_MS: z.coerce.number().int().min(500).max(3_600_000).default(60_000),
  /** Silent sources: working time without an event after which a source raises an operator alert. */
  ALERT_SOURCE_SILENCE_ENABLED: booleanFlag.default(true),
  ALERT_SOURCE_SILENT_AFTER_MS: z.coerce.number().int().min(1_000).default(2 * 3_600_000),
  /** Consumer group that reads the canonical topic to record each source's latest event. */
  ALERT_SOURCE_ACTIVITY_GROUP_ID: z.string().min(1).default('dvc-alerting-source-activity'),
  /** Working time (Asia/Ho_Chi_Minh): ISO weekdays, windows `HH:MM-HH:MM`, days off, extra working days. */
  ALERT_WORKING_DAYS: weekdayList.default([1, 2, 3, 4, 5]),
  ALERT_WORKING_WINDOWS: workingWindows.default(parseWorkingWindows('07:30-11:30,13:30-17:00')),
  ALERT_HOLIDAYS: civilDayList.default([]),
  ALERT_EXTRA_WORKING_DAYS: civilDayList.default([]),
  /** Who hears about operator alerts (silent sources), comma-separated. */
  ALERT_OPERATOR_EMAILS: emailList.default([]),
  /** Zero uptake: procedures offered online at an agency with dossiers in the window but none online. */
  ALERT_ZERO_UPTAKE_ENABLED: booleanFlag.default(true),
  ALERT_ZERO_UPTAKE_MIN_DOSSIERS: z.coerce.number().int().min(1).default(20),
  ALERT_ZERO_UPTAKE_WINDOW: singleWindow.default(parseWindows('rolling30d')[0]),
}).superRefine(checkKafkaSecurity).superRefine(checkSecrets);

export type AlertingConfig = z.infer<typeof alertingEnvironment>;

/** The working schedule of the service's configuration: silence is counted in it, and the look ahead's working days. */
export function configuredWorkingSchedule(config: { get<K extends keyof AlertingConfig>(key: K, options: { infer: true }): AlertingConfig[K] }): WorkingSchedule {
  return workingSchedule({
    ALERT_WORKING_DAYS: config.get('ALERT_WORKING_DAYS', { infer: true }),
    ALERT_WORKING_WINDOWS: config.get('ALERT_WORKING_WINDOWS', { infer: true }),
    ALERT_HOLIDAYS: config.get('ALERT_HOLIDAYS', { infer: true }),
    ALERT_EXTRA_WORKING_DAYS: config.get('ALERT_EXTRA_WORKING_DAYS', { infer: true }),
  });
}

/** The working schedule silence is counted in. */
export function workingSchedule(config: Pick<AlertingConfig, 'ALERT_WORKING_DAYS' | 'ALERT_WORKING_WINDOWS' | 'ALERT_HOLIDAYS' | 'ALERT_EXTRA_WORKING_DAYS'>): WorkingSchedule {
  return {
    weekdays: config.ALERT_WORKING_DAYS,
    windows: config.ALERT_WORKING_WINDOWS,
    holidays: config.ALERT_HOLIDAYS,
    extraWorkingDays: config.ALERT_EXTRA_WORKING_DAYS,
  };
}
