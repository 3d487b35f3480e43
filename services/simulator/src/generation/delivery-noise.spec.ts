import { validateCloudEvent } from '@dvc/contracts';
import { Random } from '../model/random';
import { breakEvent, DeliveryNoise, GeneratedEvent } from './delivery-noise';
import { generateDossierEvents } from './generate-dossier-events';

const clean = (n: number): GeneratedEvent[] =>
  [...generateDossierEvents({ dossiers: n, noise: { duplicate: 0, outOfOrder: 0, correction: 0, invalid: 0 } })];

describe(DeliveryNoise.name, () => {
  it('passes a stream through untouched at zero rates', () => {
    const input = clean(200);
    const noise = new DeliveryNoise({ duplicate: 0, outOfOrder: 0, invalid: 0 }, new Random(1));
    const output = [...input.flatMap((item) => [...noise.accept(item)]), ...noise.drain()];
    expect(output).toEqual(input);
  });

  it('delivers every event at least once and nothing else than copies and broken copies', () => {
    const input = clean(2_000);
    const noise = new DeliveryNoise({ duplicate: 0.2, outOfOrder: 0.2, invalid: 0.1 }, new Random(2));
    const output = [...input.flatMap((item) => [...noise.accept(item)]), ...noise.drain()];
    const ids = new Set(output.filter((o) => o.noise !== 'invalid').map((o) => o.event.id));
    expect(ids).toEqual(new Set(input.map((i) => i.event.id)));
    expect(output.filter((o) => o.noise === 'duplicate').length / input.length).toBeCloseTo(0.2, 1);
    expect(output.filter((o) => o.noise === 'invalid').every((o) => o.event.id.endsWith(':invalid'))).toBe(true);
  });
});

describe(breakEvent.name, () => {
  it('always yields an event the contract rejects', () => {
    const random = new Random(4);
    for (const { event } of clean(300)) expect(validateCloudEvent(breakEvent(event, random)).ok).toBe(false);
  });
});
