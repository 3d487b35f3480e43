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
