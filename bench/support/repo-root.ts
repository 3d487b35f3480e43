import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root above `start` (a built bench file's directory): where deploy/kafka/kafka.sh and package.json are. */
export function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'deploy', 'kafka', 'kafka.sh')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no repository root (with deploy/kafka/kafka.sh) above ${start}`);
  }
}
