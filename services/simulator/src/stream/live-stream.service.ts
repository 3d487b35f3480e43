import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { SimulatorConfig } from '../config/simulator.environment';
import type { GeneratedEvent } from '../generation/delivery-noise';
import { generateDossierEvents } from '../generation/generate-dossier-events';
import { noiseFromConfig } from '../generation/noise-options';
import { buildProvinceModel } from '../model/province-model';
import type { EventSink } from '../sinks/event-sink';
import { SimulatorMetrics } from './simulator.metrics';
import { EVENT_SINK, SIMULATOR_CONFIG } from './tokens';

/** Longest an event waits in a batch after its time has come. */
const MAX_BATCH_AGE_MS = 100;
const KAFKA_BATCH = 1_000;
const FAILURE_LOG_EVERY_MS = 10_000;
/** Bound on the last flush at shutdown: a sink that is down must not hold the process past its grace period. */
const SHUTDOWN_FLUSH_MS = 5_000;

/**
 * Plays the province live: pulls the generator, waits until each event's time (so `time` is now
 * when it leaves), batches briefly and hands batches to the sink. On shutdown it stops pulling,
 * sends what is batched and closes the sink, before Nest closes the HTTP server.
 */
@Injectable()
export class LiveStreamService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LiveStreamService.name);
  private stopping = false;
  private wake: (() => void) | null = null;
  private running: Promise<void> = Promise.resolve();
  private lastFailureLog = 0;

  constructor(
    @Inject(SIMULATOR_CONFIG) private readonly config: SimulatorConfig,
    @Inject(EVENT_SINK) private readonly sink: EventSink,
    private readonly metrics: SimulatorMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.run().catch((error: unknown) => {
      this.logger.error(`the live stream stopped: ${error instanceof Error ? error.stack : String(error)}`);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const flushed = await settlesWithin(this.running, SHUTDOWN_FLUSH_MS);
    if (!flushed) this.logger.warn(`the last batch was not delivered within ${SHUTDOWN_FLUSH_MS} ms; stopping anyway`);
    await settlesWithin(this.sink.close(), SHUTDOWN_FLUSH_MS);
  }

  private async run(): Promise<void> {
    const config = this.config;
    // Without a configured seed every start plays new dossiers, rather than replaying the last run's.
    const seed = config.SIMULATOR_SEED ?? Date.now() % 4_294_967_296;
    const model = buildProvinceModel({
      seed,
      provinceCode: config.SIMULATOR_PROVINCE_CODE,
      neverOnlineShare: config.SIMULATOR_NEVER_ONLINE_SHARE,
    });
    const events = generateDossierEvents({
      seed,
      model,
      live: { startMs: Date.now(), eventsPerSecond: config.SIMULATOR_RATE, timeScale: config.SIMULATOR_TIME_SCALE },
      noise: noiseFromConfig(config),
    });
    this.logger.log(
      `streaming ${model.provinceName} (${model.source}, seed ${seed}) at ${config.SIMULATOR_RATE} events/s to ${this.sink.name}, ` +
        `processing time x${config.SIMULATOR_TIME_SCALE}`,
    );
    const maxBatch = this.sink.name === 'http' ? config.SIMULATOR_HTTP_BATCH : KAFKA_BATCH;
    let batch: GeneratedEvent[] = [];
    let batchSince = 0;
    while (!this.stopping) {
      const next = events.next().value as GeneratedEvent;
      const waitMs = next.at - Date.now();
      if (waitMs > 0 && batch.length > 0 && (waitMs > MAX_BATCH_AGE_MS / 2 || Date.now() - batchSince >= MAX_BATCH_AGE_MS)) {
        await this.flush(batch);
        batch = [];
      }
      if (next.at - Date.now() > 1) await this.sleep(next.at - Date.now());
      if (this.stopping) break; // that event's time has not come: it never happened
      if (batch.length === 0) batchSince = Date.now();
      batch.push(next);
      if (batch.length >= maxBatch || Date.now() - batchSince >= MAX_BATCH_AGE_MS) {
        await this.flush(batch);
        batch = [];
      }
    }
    await this.flush(batch);
    this.logger.log('live stream stopped; batched events sent');
  }

  private async flush(batch: GeneratedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    const sink = this.sink.name;
    const stopTimer = this.metrics.sendDuration.startTimer({ sink });
    try {
      const result = await this.sink.send(batch.map((generated) => generated.event));
      this.metrics.sent.inc({ sink, outcome: 'accepted' }, result.accepted);
      if (result.rejected > 0) this.metrics.sent.inc({ sink, outcome: 'rejected' }, result.rejected);
    } catch (error) {
      // What the sink could not deliver after its own retries is counted and dropped: the simulator plays on.
      this.metrics.sent.inc({ sink, outcome: 'failed' }, batch.length);
      if (Date.now() - this.lastFailureLog >= FAILURE_LOG_EVERY_MS) {
        this.lastFailureLog = Date.now();
        this.logger.warn(`could not send ${batch.length} events to ${sink}: ${error instanceof Error ? error.message : String(error)}`);
      }
    } finally {
      stopTimer();
    }
    for (const { event, noise } of batch) {
      this.metrics.generated.inc({ type: shortType(event.type), noise: noise ?? 'none' });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** True when `promise` settles (either way) within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const KNOWN_TYPES = new Set(['received', 'completed', 'paid', 'withdrawn']);

/** `vn.gov.dvc.dossier.received.v1` → `received`; anything else `other`, to keep the label bounded. */
function shortType(type: string): string {
  const kind = type.split('.')[4];
  return KNOWN_TYPES.has(kind) && type.startsWith('vn.gov.dvc.dossier.') ? kind : 'other';
}
