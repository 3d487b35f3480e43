import type { SimulatorConfig } from '../config/simulator.environment';
import type { NoiseRates } from './generate-dossier-events';

/** The noise rates of the configuration, as the generator takes them. */
export function noiseFromConfig(config: SimulatorConfig): NoiseRates {
  return {
    duplicate: config.SIMULATOR_DUPLICATE_RATE,
    correction: config.SIMULATOR_CORRECTION_RATE,
    outOfOrder: config.SIMULATOR_OUT_OF_ORDER_RATE,
    invalid: config.SIMULATOR_INVALID_RATE,
  };
}
