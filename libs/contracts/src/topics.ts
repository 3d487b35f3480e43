/** Default Kafka topic names; every service lets them be overridden by environment. */
export const DEFAULT_TOPICS = {
  /** The public input topic (event-contract.md). */
  dossierEvents: 'dvc.dossier-events.v1',
  /** Validated, normalised events keyed by dossier code, written by ingest. */
  canonicalEvents: 'dvc.dossier-events.canonical.v1',
  /** Rejected events with their original bytes and the reason in headers. */
  deadLetter: 'dvc.dossier-events.dlq.v1',
  /** Buckets whose counts changed, written by the aggregator after each committed batch. */
  rateChanges: 'dvc.rate-changes.v1',
  alerts: 'dvc.alerts.v1',
} as const;

/** Header names ingest writes on dead-lettered and canonical messages. */
export const HEADERS = {
  rejectionReason: 'dvc-rejection-reason',
  rejectionField: 'dvc-rejection-field',
  originalTopic: 'dvc-original-topic',
  originalPartition: 'dvc-original-partition',
  originalOffset: 'dvc-original-offset',
  /** Where the event came in: `kafka` or `http`. */
  ingestChannel: 'dvc-ingest-channel',
  /** Milliseconds since the epoch when ingest accepted the event; feeds the event-to-count latency. */
  ingestedAt: 'dvc-ingested-at',
} as const;

/**
 * The input topic of one registered one-stop system: `<input topic>.<source key>` (e.g.
 * `dvc.dossier-events.v1.hung-yen`), written only by that system's broker principal. An additive part of the
 * contract: the shared input topic stays for trusted producers. Ingest knows the source from the topic.
 */
export function sourceTopic(inputTopic: string, sourceKey: string): string {
  return `${inputTopic}.${sourceKey}`;
}

/** The source key of a per-source topic of `inputTopic`, or `null` for any other topic (the shared one included). */
export function sourceKeyOfTopic(inputTopic: string, topic: string): string | null {
  if (!topic.startsWith(`${inputTopic}.`)) return null;
  const key = topic.slice(inputTopic.length + 1);
  return /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/.test(key) ? key : null;
}
