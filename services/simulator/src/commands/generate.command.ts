import type { GenerateArguments } from '../cli/cli-arguments';
import type { SimulatorConfig } from '../config/simulator.environment';
import { generateDossierEvents } from '../generation/generate-dossier-events';
import { noiseFromConfig } from '../generation/noise-options';
import { buildProvinceModel } from '../model/province-model';
import { NdjsonEncoder } from '../sinks/ndjson-encoder';
import { NdjsonFileSink } from '../sinks/ndjson-file.sink';
import { GenerationSummary } from './generation-summary';

/**
 * Writes a historical period as NDJSON. The generator is pulled one event at a time and lines go to
 * the file in chunks with back-pressure, so memory stays flat whatever the number of events.
 */
export async function runGenerate(args: GenerateArguments, config: SimulatorConfig, log = console.log): Promise<GenerationSummary> {
  const started = Date.now();
  const seed = args.seed ?? config.SIMULATOR_SEED ?? 1;
  const model = buildProvinceModel({
    seed,
    provinceCode: args.province ?? config.SIMULATOR_PROVINCE_CODE,
    neverOnlineShare: config.SIMULATOR_NEVER_ONLINE_SHARE,
  });
  log(
    `generating ${args.dossiers} dossiers of ${model.provinceName} (${model.agencies.length} agencies, ` +
      `${model.procedures.length} procedures, seed ${seed}) from ${args.from} to ${args.to} into ${args.out}`,
  );
  const sink = new NdjsonFileSink(args.out);
  const summary = new GenerationSummary();
  const events = generateDossierEvents({ seed, model, dossiers: args.dossiers, from: args.from, to: args.to, noise: noiseFromConfig(config) });
  const encoder = new NdjsonEncoder();
  for (const generated of events) {
    summary.add(generated);
    encoder.append(generated.event);
    if (encoder.full) await sink.write(encoder.take());
  }
  await sink.write(encoder.take());
  await sink.close();
  log(
    summary.format(Date.now() - started, {
      file: `${args.out} (${(sink.bytesWritten / 1e6).toFixed(1)} MB)`,
      'expected online share': `${(100 * model.expectedOnlineShare).toFixed(1)}%`,
      'peak memory (max RSS)': `${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
    }),
  );
  return summary;
}
