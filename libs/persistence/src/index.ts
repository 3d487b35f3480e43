export * from './database-options';
export * from './redis';
