import { loadSimulatorConfig } from './simulator.environment';

describe(loadSimulatorConfig.name, () => {
  it('defaults to Hưng Yên, 20 events/s, the Kafka sink and the public topic, on port 3003', () => {
    const config = loadSimulatorConfig({});
    expect(config).toMatchObject({
      SIMULATOR_PROVINCE_CODE: '33',
      SIMULATOR_RATE: 20,
      SIMULATOR_SINK: 'kafka',
      TOPIC_DOSSIER_EVENTS: 'dvc.dossier-events.v1',
      HTTP_PORT: 3003,
      SIMULATOR_HTTP_URL: 'http://127.0.0.1:3001/v1/events',
      SIMULATOR_INVALID_RATE: 0,
    });
    expect(config.SIMULATOR_SEED).toBeUndefined();
  });

  it('lists every bad variable at once', () => {
    const bad = {
      SIMULATOR_RATE: '0',
      SIMULATOR_SINK: 'pigeon',
      SIMULATOR_DUPLICATE_RATE: '1.5',
      SIMULATOR_PROVINCE_CODE: 'HY',
      KAFKA_BROKERS: 'nowhere',
    };
    let message = '';
    try {
      loadSimulatorConfig(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of Object.keys(bad)) expect(message).toContain(name);
    expect(message).toMatch(/5 problems/);
  });

  it('requires an API key for the HTTP sink', () => {
    expect(() => loadSimulatorConfig({ SIMULATOR_SINK: 'http' })).toThrow(/SIMULATOR_API_KEY/);
    expect(loadSimulatorConfig({ SIMULATOR_SINK: 'http', SIMULATOR_API_KEY: 'k' }).SIMULATOR_API_KEY).toBe('k');
  });
});
