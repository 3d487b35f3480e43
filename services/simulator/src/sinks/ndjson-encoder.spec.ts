import type { CloudEventV1 } from '@dvc/contracts';
import { generateDossierEvents } from '../generation/generate-dossier-events';
import { NdjsonEncoder } from './ndjson-encoder';

const encode = (events: CloudEventV1<unknown>[]) => {
  const encoder = new NdjsonEncoder();
  for (const event of events) encoder.append(event);
  return encoder.take().toString('utf8');
};
const stringified = (events: CloudEventV1<unknown>[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');

describe(NdjsonEncoder.name, () => {
  it('writes generated events byte for byte as JSON.stringify, broken ones included', () => {
    const events = [...generateDossierEvents({ dossiers: 3_000, noise: { invalid: 0.05, duplicate: 0.05 } })].map((g) => g.event);
    expect(encode(events)).toBe(stringified(events));
  });

  it('falls back to JSON.stringify for anything unusual', () => {
    const base = { specversion: '1.0', id: 'a', source: 's', type: 't', time: 'x', subject: 'd' };
    const odd = [
      { ...base, id: 'quote " and \\ backslash', data: { n: 1.5, flag: true, none: null, gone: undefined } },
      { ...base, subject: 'Hưng Yên', data: { list: [1, 'a'], when: new Date(0) } },
      { ...base, 'weird key"': 1, data: {} },
      { ...base, nested: { deep: { text: 'Ấ' } }, data: { big: 'x'.repeat(1_500_000) } },
      { ...base, data: { nan: Number.NaN, control: '\u0001', surrogate: '\ud800' } },
    ] as unknown as CloudEventV1<unknown>[];
    expect(encode(odd)).toBe(stringified(odd));
  });

  it('hands out what it encoded and starts afresh', () => {
    const encoder = new NdjsonEncoder();
    encoder.append({ specversion: '1.0', id: '1', source: 's', type: 't', time: 'x', subject: 'd', data: {} });
    expect(encoder.size).toBeGreaterThan(0);
    expect(encoder.take().toString()).toMatch(/\n$/);
    expect(encoder.size).toBe(0);
  });
});
