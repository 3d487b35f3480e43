import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateCloudEvent } from '@dvc/contracts';
import { loadSimulatorConfig } from '../config/simulator.environment';
import { runGenerate } from './generate.command';
import { readNdjsonLines, subjectKey } from './ndjson-lines';

describe(runGenerate.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'simulator-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one valid structured event per line and sums them up', async () => {
    const out = join(dir, 'events.ndjson');
    const log: string[] = [];
    const summary = await runGenerate(
      { out, dossiers: 500, seed: 3, from: '2025-03-01', to: '2025-03-31' },
      loadSimulatorConfig({}),
      (line) => log.push(line),
    );
    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(summary.events);
    expect(summary.dossiers).toBe(500);
    for (const line of lines) expect(validateCloudEvent(JSON.parse(line)).ok).toBe(true);
    expect(log.join('\n')).toMatch(/events: \d+ in .* events\/s/);
  });
});

describe(subjectKey.name, () => {
  const key = (line: string) => subjectKey(Buffer.from(line))?.toString() ?? null;

  it('finds the subject to key by, or null for a line that is not an event', () => {
    expect(key('{"id":"x","subject":"000.00.17.H31-250304-0012","data":{}}')).toBe('000.00.17.H31-250304-0012');
    expect(key('{"subject" : "a\\"b"}')).toBe('a"b');
    expect(key('{"subject":12}')).toBeNull();
    expect(key('not json')).toBeNull();
  });
});

describe(readNdjsonLines.name, () => {
  it('yields every non-empty line, across chunk boundaries, without CR', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lines-'));
    const file = join(dir, 'x.ndjson');
    const long = 'é'.repeat(700_000);
    writeFileSync(file, `a\r\n\n  \n${long}\nlast`);
    const lines: string[] = [];
    for await (const line of readNdjsonLines(file)) lines.push(line.toString('utf8'));
    expect(lines).toEqual(['a', long, 'last']);
    rmSync(dir, { recursive: true, force: true });
  });
});
