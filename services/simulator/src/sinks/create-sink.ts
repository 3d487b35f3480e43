import type { Kafka } from 'kafkajs';
import type { SimulatorConfig } from '../config/simulator.environment';
import type { EventSink } from './event-sink';
import { HttpSink } from './http.sink';
import { createIdempotentProducer, KafkaSink } from './kafka.sink';
import { NdjsonFileSink } from './ndjson-file.sink';

/** The sink `SIMULATOR_SINK` names, configured from the environment. */
export function createSink(config: SimulatorConfig, kafka: Kafka): EventSink {
  switch (config.SIMULATOR_SINK) {
    case 'kafka':
      return new KafkaSink(createIdempotentProducer(kafka), config.TOPIC_DOSSIER_EVENTS, config.SIMULATOR_BINARY_SHARE);
    case 'http':
      // The schema requires the key with this sink; the fallback only satisfies the type.
      return new HttpSink({ url: config.SIMULATOR_HTTP_URL, apiKey: config.SIMULATOR_API_KEY ?? '' });
    case 'file':
      return new NdjsonFileSink(config.SIMULATOR_FILE);
  }
}
