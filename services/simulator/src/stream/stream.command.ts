import { NestFactory } from '@nestjs/core';
import { listen } from '@dvc/observability';
import type { SimulatorConfig } from '../config/simulator.environment';
import { SimulatorModule } from './simulator.module';
import { SIMULATOR_CONFIG } from './tokens';

/** Starts the live stream as a Nest application; SIGTERM/SIGINT flush the last batch and exit 0. */
export async function runStream(): Promise<void> {
  const app = await NestFactory.create(SimulatorModule, { bufferLogs: true });
  // Registered before `listen` does it: with process.exit(0) rather than re-raising the signal, a
  // stopped simulator ends with status 0 and pino's buffered lines are written out.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  const config = app.get<SimulatorConfig>(SIMULATOR_CONFIG);
  await listen(app, config.HTTP_HOST, config.HTTP_PORT, 'simulator');
}
