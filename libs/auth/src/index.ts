export * from './oidc-environment';
export * from './principal';
export * from './token-verifier';
export * from './bearer-token';
export * from './decorators';
export * from './authorization.guard';
export * from './edge-access';
export * from './auth.module';
