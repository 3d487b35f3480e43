import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';

export const INGEST_METRIC_PROVIDERS = [
  makeCounterProvider({
    name: 'dvc_ingest_events_total',
    help: 'Events received by ingest, by transport (kafka, http), outcome (accepted, rejected) and source (the first 50 sources by name, then other; unknown when unreadable)',
    labelNames: ['transport', 'outcome', 'source'],
  }),
  makeCounterProvider({
    name: 'dvc_ingest_dead_letters_total',
    help: 'Events written to the dead-letter topic, by transport and the first failing field (body for the whole event)',
    labelNames: ['transport', 'field'],
  }),
  makeHistogramProvider({
    name: 'dvc_ingest_batch_size',
    help: 'Messages per consumed batch or events per HTTP request',
    labelNames: ['transport'],
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
  }),
  makeHistogramProvider({
    name: 'dvc_ingest_batch_duration_seconds',
    help: 'Time to validate a batch and write it to the canonical and dead-letter topics',
    labelNames: ['transport'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
  makeGaugeProvider({
    name: 'dvc_consumer_lag_messages',
    help: 'Messages behind the partition end after the last batch',
    labelNames: ['group', 'topic', 'partition'],
  }),
  makeCounterProvider({
    name: 'dvc_ingest_http_requests_total',
    help: 'POST /v1/events requests by status code',
    labelNames: ['status'],
  }),
  makeCounterProvider({
    name: 'dvc_ingest_rate_limiter_unavailable_total',
    help: 'Requests let through without a rate-limit check because Redis did not answer',
  }),
];

@Injectable()
export class IngestMetrics {
  constructor(
    @InjectMetric('dvc_ingest_events_total') readonly events: Counter<'transport' | 'outcome' | 'source'>,
    @InjectMetric('dvc_ingest_dead_letters_total') readonly deadLetters: Counter<'transport' | 'field'>,
    @InjectMetric('dvc_ingest_batch_size') readonly batchSize: Histogram<'transport'>,
    @InjectMetric('dvc_ingest_batch_duration_seconds') readonly batchDuration: Histogram<'transport'>,
    @InjectMetric('dvc_consumer_lag_messages') readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>,
    @InjectMetric('dvc_ingest_http_requests_total') readonly httpRequests: Counter<'status'>,
    @InjectMetric('dvc_ingest_rate_limiter_unavailable_total') readonly rateLimiterUnavailable: Counter,
  ) {}
}
