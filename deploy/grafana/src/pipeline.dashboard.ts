import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { dedup, finish, legend, PROMETHEUS, promQuery, thresholds } from './common';

export const PIPELINE_UID = 'dvc-pipeline';

function graph(title: string, description: string, unit: string, ...targets: ReturnType<typeof promQuery>[]): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder().title(title).description(description).datasource(PROMETHEUS).unit(unit).legend(legend()).height(8).span(12);
  for (const target of targets) panel.withTarget(target);
  return panel;
}

export function pipelineDashboard(): Record<string, unknown> {
  const builder = new dashboard.DashboardBuilder('Pipeline')
    .uid(PIPELINE_UID)
    .description('Health of the dvc-monitor pipeline: events in by source and outcome, dead letters, consumer lag, batch latency, source freshness and service health.')
    .tags(['dvc-monitor', 'pipeline'])
    .timezone('Asia/Ho_Chi_Minh')
    .time({ from: 'now-6h', to: 'now' })
    .refresh('30s')
    .editable()

    .withRow(new dashboard.RowBuilder('Sự kiện vào (Events in)'))
    .withPanel(
      graph(
        'Sự kiện vào theo nguồn và kết quả',
        'Events per second received by ingest, per source (one-stop system) and outcome (accepted, rejected). A source that drops to zero: see "Thời gian từ sự kiện cuối"; a rise of rejected: see the dead letters.',
        'ops',
        promQuery('A', 'sum by (source, outcome) (rate(dvc_ingest_events_total[5m]))', '{{source}} · {{outcome}}'),
      ),
    )
    .withPanel(
      graph(
        'Thư chết theo trường lỗi',
        'Dead letters per second by transport and the first failing field (body: the whole event). Read the reasons on dvc.dossier-events.dlq.v1 and tell the source which field it sends wrong.',
        'ops',
        promQuery('A', 'sum by (transport, field) (rate(dvc_ingest_dead_letters_total[5m]))', '{{transport}} · {{field}}'),
      ),
    )
    .withPanel(
      new stat.PanelBuilder()
            .title('Tỷ lệ sự kiện bị từ chối')
            .description('Share of the events of the last 5 minutes that ingest rejected (to the dead-letter topic).')
            .datasource(PROMETHEUS)
            .withTarget(
              promQuery(
                'A',
                'sum(rate(dvc_ingest_events_total{outcome="rejected"}[5m]))\n  / sum(rate(dvc_ingest_events_total[5m]))',
                'rejected',
                true,
              ),
            )
            .unit('percentunit')
            .decimals(2)
            .thresholds(thresholds([[null, 'green'], [0.01, 'orange'], [0.05, 'red']]))
            .graphMode(common.BigValueGraphMode.None)
            .height(8)
            .span(6),
    )
    .withPanel(
      graph(
        'Aggregator: sự kiện theo kết quả',
        'Canonical events read by the aggregator per second: applied (changed a dossier), unchanged (re-sent or superseded), already_applied (replayed after a restart), undecodable (should stay 0).',
        'ops',
        promQuery('A', 'sum by (outcome) (rate(dvc_aggregator_events_total[5m]))', '{{outcome}}'),
      ).span(18),
    )

    .withRow(new dashboard.RowBuilder('Xử lý (Processing)'))
    .withPanel(
      graph(
        'Độ trễ tiêu thụ (consumer lag)',
        'Messages behind the end of the topic, per consumer group and topic. Growing lag: the consumers do not keep up (scale them up to the partition count) or are stuck (check their logs and /health/ready).',
        'short',
        promQuery('A', 'sum by (group, topic) (dvc_consumer_lag_messages)', '{{group}} · {{topic}}'),
      ),
    )
    .withPanel(
      graph(
        'Thời gian xử lý lô (p95)',
        '95th percentile of the time to process one batch: ingest (validate, write canonical and dead-letter topics) per transport, aggregator (one PostgreSQL transaction). Slow aggregator batches point at PostgreSQL.',
        's',
        promQuery('A', 'histogram_quantile(0.95, sum by (le, transport) (rate(dvc_ingest_batch_duration_seconds_bucket[5m])))', 'ingest {{transport}}'),
        promQuery('B', 'histogram_quantile(0.95, sum by (le) (rate(dvc_aggregator_batch_duration_seconds_bucket[5m])))', 'aggregator'),
      ),
    )
    .withPanel(
      graph(
        'Từ sự kiện đến số liệu',
        'From ingest accepting an event to its effect being committed in the counts: median and 95th percentile. This is how fresh the rates API is.',
        's',
        promQuery('A', 'histogram_quantile(0.5, sum by (le) (rate(dvc_event_to_count_latency_seconds_bucket[5m])))', 'p50'),
        promQuery('B', 'histogram_quantile(0.95, sum by (le) (rate(dvc_event_to_count_latency_seconds_bucket[5m])))', 'p95'),
      ),
    )
    .withPanel(
      graph(
        'Hàng đợi thông báo cảnh báo',
        'Alert notifications waiting in the outbox, per channel (email, webhook, kafka). A backlog that does not drain: the SMTP relay or a webhook receiver is failing.',
        'short',
        promQuery('A', `sum by (channel) (${dedup('dvc_alerting_outbox_backlog')})`, '{{channel}}'),
      ),
    )

    .withRow(new dashboard.RowBuilder('Nguồn và dịch vụ (Sources and services)'))
    .withPanel(
      new stat.PanelBuilder()
        .title('Thời gian từ sự kiện cuối theo nguồn')
        .description('Time since ingest accepted the latest event of each source. Orange after 1 hour, red after 6 hours of silence in working time: call the source\'s operator.')
        .datasource(PROMETHEUS)
        .withTarget(promQuery('A', 'time() - max by (source) (dvc_source_last_event_timestamp_seconds)', '{{source}}', true))
        .unit('s')
        .thresholds(thresholds([[null, 'green'], [3600, 'orange'], [21600, 'red']]))
        .colorMode(common.BigValueColorMode.Background)
        .graphMode(common.BigValueGraphMode.None)
        .height(6)
        .span(12),
    )
    .withPanel(
      new stat.PanelBuilder()
        .title('Tình trạng dịch vụ')
        .description('Whether Prometheus can scrape each target (1 up, 0 down). A service down: see its logs and /health/ready; the alert rules page after a few minutes.')
        .datasource(PROMETHEUS)
        .withTarget(promQuery('A', 'up', '{{job}} · {{instance}}', true))
        .mappings([
          {
            type: dashboard.MappingType.ValueToText,
            options: { '0': { text: 'DOWN', color: 'red', index: 0 }, '1': { text: 'UP', color: 'green', index: 1 } },
          },
        ])
        .thresholds(thresholds([[null, 'red'], [1, 'green']]))
        .colorMode(common.BigValueColorMode.Background)
        .graphMode(common.BigValueGraphMode.None)
        .height(6)
        .span(12),
    )
    .withPanel(
      graph(
        'Bộ nhớ tiến trình',
        'Resident memory of each service process (prom-client default metrics).',
        'bytes',
        promQuery('A', 'process_resident_memory_bytes{job=~"dvc-.*"}', '{{job}} · {{instance}}'),
      ),
    )
    .withPanel(
      graph(
        'Độ trễ vòng lặp sự kiện (p99)',
        'Node.js event-loop lag, 99th percentile, per service: above 100 ms the service answers slowly and may miss Kafka heartbeats.',
        's',
        promQuery('A', 'nodejs_eventloop_lag_p99_seconds{job=~"dvc-.*"}', '{{job}} · {{instance}}'),
      ),
    );
  return finish(builder.build());
}
