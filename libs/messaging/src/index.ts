export * from './kafka-client';
export * from './kafka.health';
export * from './key-partitioner';
export * from './consumer-supervision';
export * from './kafka-batch-transport';
export * from './topic-scan';
