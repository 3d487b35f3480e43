import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { SourceActivityDto, WebhookDto, WebhookWithSecretDto } from '../dtos/webhook.dto';
import type { CreateWebhookBody, SourceActivityQuery, UpdateWebhookBody, WebhooksQuery } from '../dtos/webhooks-input.dto';
import { isUuid } from '../dtos/targets-input.dto';
import { WebhookChanges, WebhookRecord, WebhooksRepository } from '../repositories/webhooks.repository';
import { Page, toPage } from '../utils/page.util';

/** 32 random bytes, base64url, with a prefix that says what it is (e.g. to secret scanners). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * Webhook endpoints: the secret is shown only in the answer of the request that set it (creation, or a
 * PATCH with secret or rotateSecret) and never listed. Changes are logged with their actor, never with
 * the secret.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(private readonly webhooksRepository: WebhooksRepository) {}

  async findWebhooks(query: WebhooksQuery): Promise<Page<WebhookDto>> {
    const rows = await this.webhooksRepository.find({ ...query, limit: query.limit + 1 });
    return toPage(rows, query.limit, (row) => [row.cursorCreatedAt, row.id], toDto);
  }

  async getWebhook(id: string): Promise<WebhookDto> {
    const record = isUuid(id) ? await this.webhooksRepository.findOne(id) : null;
    if (!record) throw notFound(id);
    return toDto(record);
  }

  async createWebhook(body: CreateWebhookBody, actor: string): Promise<WebhookWithSecretDto> {
    const secret = body.secret ?? generateWebhookSecret();
    const created = toDto(await this.webhooksRepository.create({ ...body, secret }, actor));
    this.logger.log({ msg: 'webhook endpoint registered', webhookId: created.id, url: created.url, agencyCode: created.agencyCode, enabled: created.enabled, actor });
    return { ...created, secret };
  }

  async updateWebhook(id: string, body: UpdateWebhookBody, actor: string): Promise<WebhookDto | WebhookWithSecretDto> {
    if (!isUuid(id)) throw notFound(id);
    const { rotateSecret, ...rest } = body;
    const changes: WebhookChanges = { ...rest };
    if (rotateSecret) changes.secret = generateWebhookSecret();
    const updated = await this.webhooksRepository.update(id, changes);
    if (!updated) throw notFound(id);
    const changed = Object.keys(changes);
    this.logger.log({ msg: 'webhook endpoint changed', webhookId: id, changed, actor });
    return changes.secret === undefined ? toDto(updated) : { ...toDto(updated), secret: changes.secret };
  }

  async deleteWebhook(id: string, actor: string): Promise<void> {
    const deleted = isUuid(id) ? await this.webhooksRepository.delete(id) : null;
    if (!deleted) throw notFound(id);
    this.logger.log({ msg: 'webhook endpoint removed', webhookId: id, url: deleted.url, actor });
  }

  async sourceActivity(query: SourceActivityQuery): Promise<Page<SourceActivityDto>> {
    const rows = await this.webhooksRepository.sourceActivity(query.cursor, query.limit + 1);
    return toPage(rows, query.limit, (row) => [row.sourceUri], (row) => ({ ...row }));
  }
}

function toDto(record: WebhookRecord): WebhookDto {
  return {
    id: record.id,
    name: record.name,
    url: record.url,
    agencyCode: record.agencyCode,
    enabled: record.enabled,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
  };
}

function notFound(id: string): NotFoundException {
  return new NotFoundException(`webhook endpoint ${JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id)} does not exist`);
}
