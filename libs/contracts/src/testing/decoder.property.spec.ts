import fc from 'fast-check';
import { DECODER_FUZZ_SEED, decoderProperties } from './decoder-properties';

// A few thousand cases in all, with the bench's seed; bench/decoder-fuzz.ts runs the same with 100,000 each.
describe('the event decoder, property by property', () => {
  it.each(decoderProperties().map((entry) => [entry.name, entry] as const))('%s', (_name, { property, unitRuns }) => {
    fc.assert(property, { seed: DECODER_FUZZ_SEED, numRuns: unitRuns });
  });
});
