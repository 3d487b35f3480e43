export const KAFKA = Symbol('KAFKA');
export const REDIS = Symbol('REDIS');
