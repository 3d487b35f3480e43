// Integration specs drive a real broker, database and spawned services: their steps take seconds,
// not milliseconds. Jest 30 ignores `testTimeout` inside a `projects` entry, so it is set here.
jest.setTimeout(180_000);
