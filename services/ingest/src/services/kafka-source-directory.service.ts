import { Injectable } from '@nestjs/common';
import { KafkaIngestSource, IngestSourcesRepository } from '../repositories/ingest-sources.repository';

/** Fewest milliseconds between two reloads caused by a topic whose source is not (yet) known. */
const MISS_RELOAD_INTERVAL_MS = 1_000;

/**
 * The registered Kafka sources by topic key, read from `ingest_sources`: reloaded on the consumer's refresh
 * timer, and at once (at most once a second) when a message arrives on a topic whose source is not in the
 * cache, so a source registered a moment ago is known before its first event is judged.
 */
@Injectable()
export class KafkaSourceDirectory {
  private byKey = new Map<string, KafkaIngestSource>();
  private lastLoad = 0;

  constructor(private readonly sources: IngestSourcesRepository) {}

  async reload(): Promise<void> {
    const sources = await this.sources.kafkaSources();
    this.byKey = new Map(sources.map((source) => [source.kafkaTopicKey, source]));
    this.lastLoad = Date.now();
  }

  /** The source of a topic key; `null` when none is registered, even after a fresh look. */
  async find(key: string): Promise<KafkaIngestSource | null> {
    if (!this.byKey.has(key) && Date.now() - this.lastLoad >= MISS_RELOAD_INTERVAL_MS) await this.reload();
    return this.byKey.get(key) ?? null;
  }
}
