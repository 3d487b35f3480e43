/**
 * Property-based fuzzing of the event decoder: the properties of libs/contracts/src/testing/decoder-properties.ts
 * (which its unit spec runs a few thousand times) with at least 100,000 cases each and a fixed seed. Prints cases
 * per second per property and the shrunk counterexample of any failure; exits 1 when a property fails.
 *
 *   node dist/bench/decoder-fuzz.js
 *
 * Environment (optional): DECODER_FUZZ_RUNS cases per property (default 100000), DECODER_FUZZ_SEED (default the
 * spec's seed, so that a failure here replays there with the same seed and `path`), DECODER_FUZZ_REPORT a report
 * file (e.g. BENCHMARKS.md) whose decoder-fuzzing section to write. `npm run bench` runs it too (its own section).
 */
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { DECODER_FUZZ_SEED, decoderProperties } from '../libs/contracts/src/testing/decoder-properties';
import { writeMarkedSection } from './support/report';

export interface FuzzOutcome {
  name: string;
  runs: number;
  seconds: number;
  /** fast-check's report (counterexample, seed, path), when the property failed. */
  failure: string | null;
}

export const DECODER_FUZZ_SECTION_START = '<!-- decoder-fuzz:start -->';
export const DECODER_FUZZ_SECTION_END = '<!-- decoder-fuzz:end -->';

/** BENCHMARKS.md's section: cases and cases/s per property, and any counterexample. */
export function renderDecoderFuzzSection(outcomes: FuzzOutcome[], seed: number, command: string): string {
  const lines = [
    DECODER_FUZZ_SECTION_START,
    '## Decoder fuzzing (issue 11, item 4)',
    '',
    `Property-based fuzzing of the event decoder (libs/contracts/src/testing/decoder-properties.ts, fast-check, seed ${seed}): the decoders never throw outside their result type, never accept an event the contract forbids, and the canonical encoding round-trips. The unit spec runs the same properties a few thousand times; here each ran ${(outcomes[0]?.runs ?? 0).toLocaleString('en-US')} cases. Written by \`${command}\` on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| property | cases | seconds | cases/s | result |',
    '|---|---:|---:|---:|---|',
    ...outcomes.map((outcome) => `| ${outcome.name} | ${outcome.runs.toLocaleString('en-US')} | ${outcome.seconds.toFixed(1)} | ${Math.round(outcome.runs / outcome.seconds).toLocaleString('en-US')} | ${outcome.failure ? '**failed**' : 'held'} |`),
    '',
    ...outcomes.filter((outcome) => outcome.failure).map((outcome) => `Counterexample of "${outcome.name}":\n\n\`\`\`\n${outcome.failure}\n\`\`\`\n`),
    DECODER_FUZZ_SECTION_END,
  ];
  return `${lines.join('\n')}\n`;
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
  if (process.env.DECODER_FUZZ_REPORT) {
    writeMarkedSection(process.env.DECODER_FUZZ_REPORT, DECODER_FUZZ_SECTION_START, DECODER_FUZZ_SECTION_END, renderDecoderFuzzSection(outcomes, seed, 'node dist/bench/decoder-fuzz.js'));
  }
  const total = outcomes.reduce((sum, outcome) => sum + outcome.runs, 0);
  const failed = outcomes.filter((outcome) => outcome.failure !== null).length;
  console.log(`${total} cases, ${failed} properties failed`);
  process.exit(failed > 0 ? 1 : 0);
}
