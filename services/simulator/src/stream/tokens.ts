/** Injection tokens of the stream command's providers. */
export const KAFKA = Symbol('KAFKA');
export const EVENT_SINK = Symbol('EVENT_SINK');
/** The validated configuration as a typed object (ConfigModule validated the same schema at start-up). */
export const SIMULATOR_CONFIG = Symbol('SIMULATOR_CONFIG');
