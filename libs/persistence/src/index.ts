export * from './database-options';
export * from './redis';
export * from './indicator-ledger-sql';
export * from './roll-up-sql';
