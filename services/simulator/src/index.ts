/** What other code (integration tests, benchmarks) uses of the simulator. */
export { generateDossierEvents, DEFAULT_NOISE } from './generation/generate-dossier-events';
export type { GenerateOptions, LiveOptions, NoiseRates } from './generation/generate-dossier-events';
export type { GeneratedEvent, NoiseKind } from './generation/delivery-noise';
export { GeneratedCloudEvent } from './generation/generated-cloud-event';
export { NdjsonEncoder } from './sinks/ndjson-encoder';
export { buildProvinceModel, DEFAULT_PROVINCE_CODE } from './model/province-model';
export type { Offering, ProvinceModel } from './model/province-model';
export { toKafkaMessage } from './sinks/kafka.sink';
