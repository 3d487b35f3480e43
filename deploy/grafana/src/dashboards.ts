import { adoptionDashboard } from './adoption.dashboard';
import { pipelineDashboard } from './pipeline.dashboard';

/** Every dashboard, by the file name it is committed under in deploy/grafana/dashboards/. */
export function buildDashboards(): Record<string, Record<string, unknown>> {
  return {
    'adoption.json': adoptionDashboard(),
    'pipeline.json': pipelineDashboard(),
  };
}

/** The committed form: two-space JSON and a final newline. */
export function renderDashboard(dashboard: Record<string, unknown>): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
