export * from './vietnam-time';
export * from './periods';
export * from './wilson';
export * from './dossier-state';
export * from './buckets';
export * from './reference-data';
