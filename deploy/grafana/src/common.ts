import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';

/** The provisioned data sources (provisioning/datasources/datasources.yml): same uids. */
export const PROMETHEUS: common.DataSourceRef = { type: 'prometheus', uid: 'dvc-prometheus' };
export const POSTGRES: common.DataSourceRef = { type: 'grafana-postgresql-datasource', uid: 'dvc-postgres' };

/**
 * Several API (or alerting) replicas export identical gauges: de-duplicate them before summing.
 * Wraps a selector: `max without (instance, pod) (selector)`.
 */
export function dedup(selector: string): string {
  return `max without (instance, pod) (${selector})`;
}

export function promQuery(refId: string, expr: string, legend: string, instant = false): prometheus.DataqueryBuilder {
  const query = new prometheus.DataqueryBuilder().refId(refId).expr(expr).legendFormat(legend);
  return instant ? query.instant() : query.range();
}

/**
 * A raw SQL query of Grafana's PostgreSQL data source. The SDK has no builder for it (it ships builders
 * for the data sources with a schema in Grafana's repository), so this one implements the SDK's
 * Dataquery variant itself.
 */
export interface SqlDataquery extends cog.Dataquery {
  refId: string;
  datasource: common.DataSourceRef;
  editorMode: 'code';
  format: 'table' | 'time_series';
  rawQuery: true;
  rawSql: string;
}

export class SqlQueryBuilder implements cog.Builder<cog.Dataquery> {
  constructor(
    private readonly refId: string,
    private readonly rawSql: string,
    private readonly format: 'table' | 'time_series' = 'table',
  ) {}

  build(): SqlDataquery {
    return {
      refId: this.refId,
      datasource: POSTGRES,
      editorMode: 'code',
      format: this.format,
      rawQuery: true,
      rawSql: sql(this.rawSql),
      _implementsDataqueryVariant() {},
    };
  }
}

/** Trims a template literal's common indentation, so the JSON reads like the source. */
export function sql(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((line) => line.trim()).map((line) => line.match(/^ */)![0].length));
  return lines.map((line) => line.slice(indent)).join('\n');
}

export function thresholds(steps: Array<[number | null, string]>): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));
}

export function legend(): common.VizLegendOptionsBuilder {
  return new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom);
}

/** Online share: red under the 10% floor, orange under the 50% that earns full points, green above. */
export const ONLINE_RATE_THRESHOLDS: Array<[number | null, string]> = [
  [null, 'red'],
  [0.1, 'orange'],
  [0.5, 'green'],
];

/**
 * Finishes a built dashboard: numbers the panels (Grafana keys panel state by id) and drops the SDK's
 * `_implementsDataqueryVariant` marker, which JSON.stringify omits anyway, so the object equals its JSON.
 */
export function finish(built: dashboard.Dashboard): Record<string, unknown> {
  const json = JSON.parse(JSON.stringify(built)) as { panels?: Array<Record<string, unknown>> };
  let id = 1;
  for (const panel of json.panels ?? []) {
    panel.id = id++;
    for (const inner of (panel.panels as Array<Record<string, unknown>> | undefined) ?? []) inner.id = id++;
  }
  return json;
}
