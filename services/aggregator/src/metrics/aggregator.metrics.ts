import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';

export const AGGREGATOR_METRIC_PROVIDERS = [
  makeCounterProvider({
    name: 'dvc_aggregator_events_total',
    help: 'Canonical events read by the aggregator, by outcome: applied (changed a dossier), unchanged (re-sent or superseded), already_applied (offset below the one stored in PostgreSQL), undecodable',
    labelNames: ['outcome'],
  }),
  makeHistogramProvider({
    name: 'dvc_aggregator_batch_size',
    help: 'Messages per applied batch',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
  }),
  makeHistogramProvider({
    name: 'dvc_aggregator_batch_duration_seconds',
    help: 'Time to apply one batch in one PostgreSQL transaction',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
  makeHistogramProvider({
    name: 'dvc_event_to_count_latency_seconds',
    help: 'From ingest accepting an event to its effect being committed in the counts',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
  }),
  makeGaugeProvider({
    name: 'dvc_consumer_lag_messages',
    help: 'Messages behind the partition end after the last batch',
    labelNames: ['group', 'topic', 'partition'],
  }),
  makeCounterProvider({
    name: 'dvc_aggregator_transaction_retries_total',
    help: 'Batch transactions retried after a serialization failure or deadlock',
  }),
  makeCounterProvider({
    name: 'dvc_aggregator_rate_change_messages_total',
    help: 'Messages announcing changed buckets on the rate-changes topic, by outcome (sent, failed)',
    labelNames: ['outcome'],
  }),
];

@Injectable()
export class AggregatorMetrics {
  constructor(
    @InjectMetric('dvc_aggregator_events_total') readonly events: Counter<'outcome'>,
    @InjectMetric('dvc_aggregator_batch_size') readonly batchSize: Histogram,
    @InjectMetric('dvc_aggregator_batch_duration_seconds') readonly batchDuration: Histogram,
    @InjectMetric('dvc_event_to_count_latency_seconds') readonly eventToCountLatency: Histogram,
    @InjectMetric('dvc_consumer_lag_messages') readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>,
    @InjectMetric('dvc_aggregator_transaction_retries_total') readonly transactionRetries: Counter,
    @InjectMetric('dvc_aggregator_rate_change_messages_total') readonly rateChangeMessages: Counter<'outcome'>,
  ) {}
}
