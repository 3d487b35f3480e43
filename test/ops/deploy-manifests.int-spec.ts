import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// Static checks of docker-compose.yml (deploy/docker/check-compose.py) and of the Kubernetes
// manifests (deploy/k8s/check-manifests.py). They need python3 with PyYAML (.ci/run installs
// python3-yaml), and neither Kafka, PostgreSQL nor Redis.
const ROOT = join(__dirname, '..', '..');

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}`, missing: result.error !== undefined };
}

// Never skipped: without PyYAML the checks fail and say what to install.
function requirePyYaml(): void {
  if (run('python3', ['-c', 'import yaml']).status !== 0) throw new Error('python3 with PyYAML is needed (apt-get install python3-yaml; .ci/run installs it)');
}

describe('deployment files', () => {
  it('docker-compose.yml: images pinned, mounted paths present, ports and variables that exist', () => {
    requirePyYaml();
    const { status, output } = run('python3', ['deploy/docker/check-compose.py']);
    expect(output).toMatch(/0 problem\(s\)/);
    expect(status).toBe(0);
  });

  it('deploy/k8s: manifests parse, and reference only images, ports, variables and paths that exist', () => {
    requirePyYaml();
    const { status, output } = run('python3', ['deploy/k8s/check-manifests.py']);
    expect(output).toMatch(/0 problem\(s\)/);
    expect(status).toBe(0);
  });
});
