import 'reflect-metadata';
import { parseCommand, UsageError, USAGE } from './cli/cli-arguments';
import { runGenerate } from './commands/generate.command';
import { runReplay } from './commands/replay.command';
import { loadSimulatorConfig } from './config/simulator.environment';

/** `stream` (default), `generate` or `replay`: see USAGE. Exit 2 on bad usage, 1 on failure. */
async function main(argv: string[]): Promise<void> {
  let command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  switch (command.name) {
    case 'help':
      console.log(USAGE);
      return;
    case 'stream': {
      // Loaded only here: Nest and its modules take a third of a second that generate and replay do not need.
      const { runStream } = await import('./stream/stream.command');
      return runStream();
    }
    case 'generate':
      await runGenerate(command.args, loadSimulatorConfig());
      return;
    case 'replay':
      await runReplay(command.args, loadSimulatorConfig());
      return;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
