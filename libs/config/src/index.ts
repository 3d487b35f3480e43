export * from './validate-environment';
export * from './common-environment';
