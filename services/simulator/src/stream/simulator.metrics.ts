import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';

export const SIMULATOR_METRIC_PROVIDERS = [
  makeCounterProvider({
    name: 'dvc_simulator_events_sent_total',
    help: 'Simulated events by sink (kafka, http, file) and outcome (accepted, rejected by the receiver, failed to deliver)',
    labelNames: ['sink', 'outcome'],
  }),
  makeCounterProvider({
    name: 'dvc_simulator_events_generated_total',
    help: 'Simulated events by type (received, completed, paid, withdrawn, other) and noise (none, duplicate, correction, out-of-order, invalid)',
    labelNames: ['type', 'noise'],
  }),
  makeHistogramProvider({
    name: 'dvc_simulator_send_duration_seconds',
    help: 'Time to deliver one batch to the sink',
    labelNames: ['sink'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
];

@Injectable()
export class SimulatorMetrics {
  constructor(
    @InjectMetric('dvc_simulator_events_sent_total') readonly sent: Counter<'sink' | 'outcome'>,
    @InjectMetric('dvc_simulator_events_generated_total') readonly generated: Counter<'type' | 'noise'>,
    @InjectMetric('dvc_simulator_send_duration_seconds') readonly sendDuration: Histogram<'sink'>,
  ) {}
}
