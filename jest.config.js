// Two tiers: fast unit specs beside the code, and integration specs (test/) against the real
// Kafka broker, PostgreSQL and Redis that test/support/global-setup.ts starts or reuses.
// SWC transforms TypeScript: TypeScript 7 has no compiler API, so ts-jest is not an option.
const swcTransform = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = { '^@dvc/(.*)$': '<rootDir>/libs/$1/src' };

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/services/**/*.spec.ts', '<rootDir>/deploy/grafana/src/**/*.spec.ts'],
      transform: { '^.+\\.ts$': swcTransform },
      moduleNameMapper,
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
      transform: { '^.+\\.ts$': swcTransform },
      moduleNameMapper,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
    },
  ],
};
