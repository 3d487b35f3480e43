import { parseCommand, UsageError } from './cli-arguments';

describe(parseCommand.name, () => {
  it('streams by default', () => {
    expect(parseCommand([])).toEqual({ name: 'stream' });
    expect(parseCommand(['stream'])).toEqual({ name: 'stream' });
  });

  it('reads generate options with defaults for the period', () => {
    expect(parseCommand(['generate', '--out', '/tmp/x.ndjson', '--dossiers', '1000', '--seed', '7'])).toEqual({
      name: 'generate',
      args: { out: '/tmp/x.ndjson', dossiers: 1000, seed: 7, from: '2025-01-01', to: '2025-12-31' },
    });
  });

  it('reads replay options, rate max or a number', () => {
    expect(parseCommand(['replay', '--file', 'f'])).toMatchObject({ args: { file: 'f', rate: 'max', batch: 2000 } });
    expect(parseCommand(['replay', '--file', 'f', '--rate', '500', '--topic', 't'])).toMatchObject({ args: { rate: 500, topic: 't' } });
  });

  it('lists every bad option, and refuses unknown commands and options', () => {
    expect(() => parseCommand(['generate', '--dossiers', 'many', '--from', '2025-1-1'])).toThrow(/--out[\s\S]*--dossiers[\s\S]*--from/);
    expect(() => parseCommand(['launch'])).toThrow(UsageError);
    expect(() => parseCommand(['replay', '--file', 'f', '--speed', '2'])).toThrow(UsageError);
    expect(parseCommand(['generate', '--help'])).toEqual({ name: 'help' });
  });
});
