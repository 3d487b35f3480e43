import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/infrastructure';

// Static checks of deploy/prometheus and deploy/alertmanager with the real tools. A missing tool is a
// failure, never a skip: .ci/run installs them (Debian's prometheus and prometheus-alertmanager).

const PROMETHEUS = join(REPO_ROOT, 'deploy', 'prometheus');
const ALERTMANAGER_CONFIG = join(REPO_ROOT, 'deploy', 'alertmanager', 'alertmanager.yml');

function run(tool: string, args: string[]): { status: number | null; output: string; stdout: string } {
  const result = spawnSync(tool, args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      `${tool} is not installed: it comes with Debian's ${tool === 'amtool' ? 'prometheus-alertmanager' : 'prometheus'} package ` +
        `(apt-get install ${tool === 'amtool' ? 'prometheus-alertmanager' : 'prometheus'}; .ci/run does it)`,
    );
  }
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

function expectSuccess(tool: string, args: string[], stdoutOnly = false): string {
  const { status, output, stdout } = run(tool, args);
  if (status !== 0) throw new Error(`${tool} ${args.join(' ')} exited with ${status}:\n${output}`);
  return stdoutOnly ? stdout : output;
}

describe('Prometheus and Alertmanager configuration', () => {
  it('promtool accepts both scrape configurations (and the rule files they load)', () => {
    for (const file of ['prometheus.yml', 'prometheus.local.yml']) {
      const output = expectSuccess('promtool', ['check', 'config', join(PROMETHEUS, file)]);
      expect(output).toContain('rules/recording.yml');
      expect(output).toContain('rules/alerts.yml');
    }
  });

  it('the local configuration is the compose one with 127.0.0.1 targets', () => {
    const normalise = (text: string) =>
      text
        .split('\n')
        .filter((line) => !line.startsWith('#'))
        .join('\n')
        .replace(/'(api|ingest|aggregator|simulator|alerting|console|alertmanager|localhost):(\d+)'/g, "'127.0.0.1:$2'");
    expect(normalise(readFileSync(join(PROMETHEUS, 'prometheus.local.yml'), 'utf8'))).toBe(
      normalise(readFileSync(join(PROMETHEUS, 'prometheus.yml'), 'utf8')),
    );
  });

  it('promtool accepts the rule files, and every alert has for, severity and runbook annotations', () => {
    const output = expectSuccess('promtool', ['check', 'rules', join(PROMETHEUS, 'rules', 'recording.yml'), join(PROMETHEUS, 'rules', 'alerts.yml')]);
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
    const alerts = readFileSync(join(PROMETHEUS, 'rules', 'alerts.yml'), 'utf8').split(/\n(?=      - alert: )/).slice(1);
    expect(alerts.length).toBeGreaterThan(10);
    const runbooks = readFileSync(join(REPO_ROOT, 'docs', 'runbooks.md'), 'utf8');
    for (const alert of alerts) {
      const name = /- alert: (\w+)/.exec(alert)![1];
      expect({ name, for: /\n        for: \d+[smh]/.test(alert) }).toEqual({ name, for: true });
      expect({ name, severity: /severity: (warning|critical)/.test(alert) }).toEqual({ name, severity: true });
      for (const annotation of ['summary', 'description', 'runbook_url']) expect({ name, annotation, present: alert.includes(`${annotation}: `) }).toEqual({ name, annotation, present: true });
      const anchor = /runbook_url: docs\/runbooks\.md#(\S+)/.exec(alert)?.[1];
      expect({ name, anchor }).toEqual({ name, anchor: name.toLowerCase() });
      expect({ name, section: runbooks.includes(`## ${name}\n`) }).toEqual({ name, section: true });
    }
  });

  it('promtool test rules: every alert fires and stays quiet where it must, recording rules compute the right values', () => {
    const tests = readdirSync(join(PROMETHEUS, 'tests')).filter((file) => file.endsWith('.yml')).map((file) => join(PROMETHEUS, 'tests', file));
    expect(tests.length).toBeGreaterThanOrEqual(2);
    expectSuccess('promtool', ['test', 'rules', ...tests]);
    // every alert rule is exercised by a test
    const alertNames = new Set([...readFileSync(join(PROMETHEUS, 'rules', 'alerts.yml'), 'utf8').matchAll(/- alert: (\w+)/g)].map((match) => match[1]));
    const tested = tests.map((file) => readFileSync(file, 'utf8')).join('\n');
    expect([...alertNames].filter((name) => !tested.includes(`alertname: ${name}`))).toEqual([]);
  });

  it('amtool accepts the Alertmanager configuration and routes as intended', () => {
    expectSuccess('amtool', ['check-config', ALERTMANAGER_CONFIG]);
    const route = (...labels: string[]) =>
      expectSuccess('amtool', ['config', 'routes', 'test', `--config.file=${ALERTMANAGER_CONFIG}`, ...labels], true).trim();
    expect(route('alertname=DvcServiceDown', 'severity=critical', 'category=pipeline', 'service=api')).toBe('operators-critical');
    expect(route('alertname=DvcOutboxBacklog', 'severity=warning', 'category=pipeline')).toBe('operators-email');
    expect(route('alertname=DvcAdoptionBelowTarget', 'severity=critical', 'category=adoption', 'province=33')).toBe('adoption-email');
  });
});
