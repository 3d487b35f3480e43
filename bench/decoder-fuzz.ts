/**
 * Property-based fuzzing of the event decoder: the properties of libs/contracts/src/testing/decoder-properties.ts
 * (which its unit spec runs a few thousand times) with at least 100,000 cases each and a fixed seed. Prints cases
 * per second per property and the shrunk counterexample of any failure; exits 1 when a property fails.
 *
 *   node dist/bench/decoder-fuzz.js
 *
 * Environment (optional): DECODER_FUZZ_RUNS cases per property (default 100000), DECODER_FUZZ_SEED (default the
 * spec's seed, so that a failure here replays there with the same seed and `path`).
 */
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { DECODER_FUZZ_SEED, decoderProperties } from '../libs/contracts/src/testing/decoder-properties';

export interface FuzzOutcome {
  name: string;
  runs: number;
  seconds: number;
  /** fast-check's report (counterexample, seed, path), when the property failed. */
  failure: string | null;
}

export function fuzzDecoder(runs: number, seed: number): FuzzOutcome[] {
  return decoderProperties().map(({ name, property }) => {
    const started = performance.now();
    const details = fc.check(property, { numRuns: runs, seed });
    const seconds = (performance.now() - started) / 1000;
    return { name, runs: details.numRuns, seconds, failure: details.failed ? fc.defaultReportMessage(details) ?? 'failed' : null };
  });
}

if (require.main === module) {
  const runs = Number(process.env.DECODER_FUZZ_RUNS ?? 100_000);
  const seed = Number(process.env.DECODER_FUZZ_SEED ?? DECODER_FUZZ_SEED);
  if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
    console.error('DECODER_FUZZ_RUNS must be a positive integer and DECODER_FUZZ_SEED an integer');
    process.exit(2);
  }
  console.log(`decoder fuzzing: ${runs} cases per property, seed ${seed}`);
  const outcomes = fuzzDecoder(runs, seed);
  for (const outcome of outcomes) {
    const rate = Math.round(outcome.runs / outcome.seconds).toLocaleString('en-US');
    console.log(`${outcome.failure ? 'FAIL' : 'ok  '} ${outcome.runs} cases in ${outcome.seconds.toFixed(1)} s (${rate} cases/s): ${outcome.name}`);
    if (outcome.failure) console.log(outcome.failure.replace(/^/gm, '     '));
  }
  const total = outcomes.reduce((sum, outcome) => sum + outcome.runs, 0);
  const failed = outcomes.filter((outcome) => outcome.failure !== null).length;
  console.log(`${total} cases, ${failed} properties failed`);
  process.exit(failed > 0 ? 1 : 0);
}
