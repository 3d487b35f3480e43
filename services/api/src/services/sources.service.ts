import { ConflictException, ForbiddenException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { actorOf, Principal } from '@dvc/auth';
import { sourceTopic } from '@dvc/contracts';
import { generateApiKey, hashApiKey } from '@dvc/domain';
import type { ApiEnvironment } from '../config/api-environment';
import type { SourceDto, SourceWithApiKeyDto } from '../dtos/source.dto';
import type { CreateSourceBody, UpdateSourceBody } from '../dtos/sources-input.dto';
import { isUuid } from '../dtos/targets-input.dto';
import { SourceRecord, SourcesRepository } from '../repositories/sources.repository';

/**
 * Ingest sources: registration, the agencies each may report for, key rotation and revocation. An API key is
 * shown only in the answer that issues it; only its SHA-256 is stored. Sources are the pipeline's own
 * configuration, not an agency's: every holder of sources:manage sees all of them, but may bind a source only
 * to agency codes inside their own scope.
 */
@Injectable()
export class SourcesService {
  private readonly logger = new Logger(SourcesService.name);
  private readonly inputTopic: string;

  constructor(
    private readonly sources: SourcesRepository,
    config: ConfigService<ApiEnvironment, true>,
  ) {
    this.inputTopic = config.get('TOPIC_DOSSIER_EVENTS', { infer: true });
  }

  async findSources(): Promise<{ items: SourceDto[] }> {
    return { items: (await this.sources.find()).map((record) => this.toDto(record)) };
  }

  async createSource(body: CreateSourceBody, principal: Principal): Promise<SourceWithApiKeyDto> {
    await this.refuseAgenciesOutOfScope(body.allowedAgencies, principal);
    if (body.kafkaTopicKey !== null && (await this.sources.kafkaTopicKeyTaken(body.kafkaTopicKey))) throw topicKeyTaken(body.kafkaTopicKey);
    const apiKey = body.issueApiKey ? generateApiKey() : null;
    let record: SourceRecord;
    try {
      record = await this.sources.create({ ...body, apiKeyHash: apiKey ? hashApiKey(apiKey) : null }, actorOf(principal));
    } catch (error) {
      // Two registrations of the same key at once: the unique index decides.
      if ((error as { code?: string }).code === '23505' && body.kafkaTopicKey) throw topicKeyTaken(body.kafkaTopicKey);
      throw error;
    }
    this.logger.log({ sourceId: record.id, sourceUri: record.sourceUri, allowedAgencies: record.allowedAgencies, actor: principal.subject }, 'ingest source registered');
    return apiKey ? { ...this.toDto(record), apiKey } : this.toDto(record);
  }

  async updateSource(id: string, body: UpdateSourceBody, principal: Principal): Promise<SourceWithApiKeyDto> {
    const existing = isUuid(id) ? await this.sources.findOne(id) : null;
    if (!existing) throw notFound(id);
    if (existing.revokedAt) throw new ConflictException(`source ${id} was revoked; register a new one instead`);
    if (body.allowedAgencies) await this.refuseAgenciesOutOfScope(body.allowedAgencies, principal);
    const apiKey = body.rotateApiKey ? generateApiKey() : null;
    const record = await this.sources.update(
      id,
      { name: body.name, allowedAgencies: body.allowedAgencies, ...(apiKey ? { apiKeyHash: hashApiKey(apiKey) } : {}) },
      actorOf(principal),
    );
    if (!record) throw new ConflictException(`source ${id} was revoked; register a new one instead`);
    this.logger.log({ sourceId: id, changed: Object.keys(body), actor: principal.subject }, 'ingest source changed');
    return apiKey ? { ...this.toDto(record), apiKey } : this.toDto(record);
  }

  async revokeSource(id: string, principal: Principal): Promise<SourceDto> {
    const record = isUuid(id) ? await this.sources.revoke(id, actorOf(principal)) : null;
    if (!record) throw notFound(id);
    this.logger.log({ sourceId: id, actor: principal.subject }, 'ingest source revoked');
    return this.toDto(record);
  }

  /** Exact codes must be inside the caller's subtrees; patterns are the pipeline's own rules (see docs/security.md). */
  private async refuseAgenciesOutOfScope(entries: readonly string[], principal: Principal): Promise<void> {
    const outside = await this.sources.codesOutOfScope(
      entries.filter((entry) => !entry.includes('*')),
      principal.scope.agencyRoots,
    );
    if (outside.length) throw new ForbiddenException(`allowedAgencies: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside your scope`);
  }

  private toDto(record: SourceRecord): SourceDto {
    return { ...record, kafkaTopic: record.kafkaTopicKey ? sourceTopic(this.inputTopic, record.kafkaTopicKey) : null };
  }
}

function notFound(id: string): NotFoundException {
  return new NotFoundException(`source ${JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id)} does not exist`);
}

function topicKeyTaken(key: string): ConflictException {
  return new ConflictException(`kafkaTopicKey: ${JSON.stringify(key)} belongs to another source`);
}
