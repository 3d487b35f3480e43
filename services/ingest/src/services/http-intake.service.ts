import { STATUS_CODES } from 'node:http';
import { HttpException, HttpStatus, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { decodeHttpBody, DossierEvent, Rejection, validateCloudEvent } from '@dvc/contracts';
import { IngestConfig } from '../ingest-config';
import { IngestSource } from '../repositories/ingest-sources.repository';
import { DeadLetter, EventPublisher } from './event-publisher.service';
import { SourceAgencyPolicy } from './source-agency-policy.service';
import { SourceRateLimiter } from './source-rate-limiter.service';

export interface EventResult {
  index: number;
  id: string | null;
  status: 'accepted' | 'rejected';
  field?: string | null;
  reason?: string;
}

export interface IntakeResponse {
  accepted: number;
  rejected: number;
  results: EventResult[];
}

/**
 * `POST /v1/events`: decode, validate each event, check it is the key's source and about one of the source's
 * agencies, publish, answer per event.
 */
@Injectable()
export class HttpIntake {
  private readonly logger = new Logger(HttpIntake.name);
  private readonly maxBatchEvents: number;

  constructor(
    config: ConfigService<IngestConfig, true>,
    private readonly rateLimiter: SourceRateLimiter,
    private readonly publisher: EventPublisher,
    private readonly agencyPolicy: SourceAgencyPolicy,
  ) {
    this.maxBatchEvents = config.get('INGEST_HTTP_MAX_BATCH_EVENTS', { infer: true });
  }

  async receive(source: IngestSource, contentType: string | undefined, body: Buffer): Promise<IntakeResponse & { batch: boolean }> {
    const decoded = decodeHttpBody(contentType, body);
    if (!decoded.ok) {
      throw new HttpException({ statusCode: decoded.status, error: STATUS_CODES[decoded.status], message: decoded.reason }, decoded.status);
    }
    if (decoded.items.length > this.maxBatchEvents) {
      throw new HttpException(
        { statusCode: 413, error: 'Payload Too Large', message: `a batch may hold at most ${this.maxBatchEvents} events (got ${decoded.items.length})` },
        HttpStatus.PAYLOAD_TOO_LARGE,
      );
    }
    if (decoded.items.length === 0) return { accepted: 0, rejected: 0, results: [], batch: decoded.batch };
    await this.rateLimiter.consume(source.id, decoded.items.length);

    const validated = decoded.items.map((item) => {
      const validation = validateCloudEvent(item);
      const rejection: Rejection | null = !validation.ok
        ? validation.rejection
        : validation.event.source !== source.sourceUri
          ? { field: 'source', reason: `source must be ${JSON.stringify(source.sourceUri)}, the source this API key is registered for` }
          : null;
      return { item, event: validation.ok && !rejection ? validation.event : null, rejection };
    });
    // Valid events of this source must be about its own agencies (one hierarchy query for the whole request).
    const candidates = validated.filter((entry) => entry.event !== null);
    const agencyRejections = await this.agencyPolicy.check(source, candidates.map((entry) => entry.event!));
    candidates.forEach((entry, index) => {
      if (agencyRejections[index]) entry.rejection = agencyRejections[index];
    });

    const accepted: DossierEvent[] = [];
    const deadLetters: DeadLetter[] = [];
    const results = validated.map(({ item, event, rejection }, index): EventResult => {
      const id = typeof (item as { id?: unknown })?.id === 'string' ? (item as { id: string }).id : null;
      if (event && !rejection) {
        accepted.push(event);
        return { index, id, status: 'accepted' };
      }
      deadLetters.push({ key: null, value: Buffer.from(JSON.stringify(item) ?? 'null'), rejection: rejection!, headers: { 'dvc-ingest-source-id': source.id }, source: source.sourceUri });
      return { index, id, status: 'rejected', field: rejection!.field, reason: rejection!.reason };
    });

    try {
      await this.publisher.publish('http', accepted, deadLetters);
    } catch (error) {
      this.logger.error({ error: String(error) }, 'could not write events to Kafka');
      throw new ServiceUnavailableException('events could not be stored (Kafka unavailable); send the whole request again later: events already stored are not counted twice');
    }
    return { accepted: accepted.length, rejected: deadLetters.length, results, batch: decoded.batch };
  }
}
