// `npm run dashboards`: regenerates deploy/grafana/dashboards/*.json from this code.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboards, renderDashboard } from './dashboards';

const directory = join(process.cwd(), 'deploy', 'grafana', 'dashboards');
mkdirSync(directory, { recursive: true });
const dashboards = buildDashboards();
for (const file of readdirSync(directory)) {
  if (file.endsWith('.json') && !(file in dashboards)) rmSync(join(directory, file));
}
for (const [file, dashboard] of Object.entries(dashboards)) {
  writeFileSync(join(directory, file), renderDashboard(dashboard));
  console.log(`wrote deploy/grafana/dashboards/${file}`);
}
