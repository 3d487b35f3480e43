export * from './validate-environment';
export * from './common-environment';
export * from './secrets-environment';
export * from './calendar-environment';
