import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';

/** Bounded labels only: severity (2), action (3), outcome (few), channel (3), mode (2). Scopes live in PostgreSQL. */
export const ALERTING_METRIC_PROVIDERS = [
  makeCounterProvider({
    name: 'dvc_alerting_sweeps_total',
    help: 'Sweeps by outcome: completed, not_leader (another instance holds the Redis lock), locked (another transaction holds the PostgreSQL guard), failed',
    labelNames: ['outcome'],
  }),
  makeHistogramProvider({
    name: 'dvc_alerting_sweep_duration_seconds',
    help: 'Time of one completed sweep (load, evaluate, write in one transaction), by mode: full (every agency) or incremental (the agencies whose buckets changed)',
    labelNames: ['mode'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  }),
  makeCounterProvider({
    name: 'dvc_alerting_evaluations_total',
    help: 'Rule × scope × window evaluations, by decision: fire, resolve, stay',
    labelNames: ['action'],
  }),
  makeGaugeProvider({
    name: 'dvc_alerting_alerts_open',
    help: 'Open (firing or acknowledged) alerts, by severity',
    labelNames: ['severity'],
  }),
  makeCounterProvider({
    name: 'dvc_alerting_notifications_total',
    help: 'Notification attempts by channel (email, webhook, kafka, alertmanager) and outcome (sent, retry, failed)',
    labelNames: ['channel', 'outcome'],
  }),
  makeGaugeProvider({
    name: 'dvc_alerting_outbox_backlog',
    help: 'Pending notifications in the outbox, by channel',
    labelNames: ['channel'],
  }),
  makeCounterProvider({
    name: 'dvc_alerting_change_evaluations_total',
    help: 'Evaluations of the agencies named on the rate-change topic, by outcome: completed, locked (retried), failed (left to the sweep)',
    labelNames: ['outcome'],
  }),
  makeHistogramProvider({
    name: 'dvc_alerting_change_evaluation_duration_seconds',
    help: 'Time of one completed evaluation after rates changed (its agencies only, one transaction)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
  makeCounterProvider({
    name: 'dvc_alerting_rate_change_messages_total',
    help: 'Messages read from the rate-change topic, by outcome: accepted, unreadable',
    labelNames: ['outcome'],
  }),
  makeGaugeProvider({
    name: 'dvc_alerting_leader',
    help: '1 while this instance holds the Redis leader lock (or sweeps without it because Redis is unreachable)',
  }),
];

@Injectable()
export class AlertingMetrics {
  constructor(
    @InjectMetric('dvc_alerting_sweeps_total') readonly sweeps: Counter<'outcome'>,
    @InjectMetric('dvc_alerting_sweep_duration_seconds') readonly sweepDuration: Histogram<'mode'>,
    @InjectMetric('dvc_alerting_evaluations_total') readonly evaluations: Counter<'action'>,
    @InjectMetric('dvc_alerting_alerts_open') readonly alertsOpen: Gauge<'severity'>,
    @InjectMetric('dvc_alerting_notifications_total') readonly notifications: Counter<'channel' | 'outcome'>,
    @InjectMetric('dvc_alerting_outbox_backlog') readonly outboxBacklog: Gauge<'channel'>,
    @InjectMetric('dvc_alerting_leader') readonly leader: Gauge,
    @InjectMetric('dvc_alerting_change_evaluations_total') readonly changeEvaluations: Counter<'outcome'>,
    @InjectMetric('dvc_alerting_change_evaluation_duration_seconds') readonly changeEvaluationDuration: Histogram,
    @InjectMetric('dvc_alerting_rate_change_messages_total') readonly rateChangeMessages: Counter<'outcome'>,
  ) {}
}
