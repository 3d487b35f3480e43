import { BadRequestException, ForbiddenException, Injectable, Logger, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { secretsKeyring } from '@dvc/config';
import { Keyring, openSecret, OutboundPolicy, outboundPolicy, sealSecret, urlRefusal } from '@dvc/domain';
import type { ApiEnvironment } from '../config/api-environment';
import { actorOf, Principal } from '@dvc/auth';
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
export class WebhooksService implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhooksService.name);

  /** The alerting service's egress rules, applied here too so that a URL it would refuse is refused at once. */
  private readonly egress: OutboundPolicy;
  /** Seals secrets before they are stored (SECRETS_ENCRYPTION_KEY); the alerting service opens them to sign. */
  private readonly keyring: Keyring;

  constructor(
    private readonly webhooksRepository: WebhooksRepository,
    config: ConfigService<ApiEnvironment, true>,
  ) {
    this.egress = outboundPolicy(config.get('WEBHOOK_ALLOW_HTTP', { infer: true }), config.get('WEBHOOK_ALLOWED_CIDRS', { infer: true }));
    this.keyring = secretsKeyring({
      SECRETS_ENCRYPTION_KEY: config.get('SECRETS_ENCRYPTION_KEY', { infer: true }),
      SECRETS_ENCRYPTION_KEY_FILE: config.get('SECRETS_ENCRYPTION_KEY_FILE', { infer: true }),
      SECRETS_ENCRYPTION_PREVIOUS_KEYS: config.get('SECRETS_ENCRYPTION_PREVIOUS_KEYS', { infer: true }),
    });
  }

  /**
   * Seals what is not sealed with the current key: plaintext secrets of rows written before sealing existed, and
   * secrets sealed with a previous key (after a rotation). Logged by count, never with a secret.
   */
  async onApplicationBootstrap(): Promise<void> {
    const rows = await this.webhooksRepository.secretsToSeal(this.keyring.current.id);
    for (const row of rows) {
      const plaintext = row.secret ?? openSecret(this.keyring, row.sealed!);
      await this.webhooksRepository.storeSealed(row, sealSecret(this.keyring, plaintext));
    }
    if (rows.length) this.logger.log({ msg: 'webhook secrets sealed with the current key', count: rows.length, keyId: this.keyring.current.id });
  }

  /** Scheme, credentials and literal addresses; names are resolved and checked by the sender at each call. */
  private refuseUrl(url: string | undefined): void {
    if (url === undefined) return;
    const refusal = urlRefusal(this.egress, url);
    if (refusal) throw new BadRequestException(`url: ${JSON.stringify(url)} ${refusal}`);
  }

  async findWebhooks(query: WebhooksQuery, principal: Principal): Promise<Page<WebhookDto>> {
    const rows = await this.webhooksRepository.find({ ...query, limit: query.limit + 1, scopeRoots: principal.scope.agencyRoots });
    return toPage(rows, query.limit, (row) => [row.cursorCreatedAt, row.id], toDto);
  }

  /** Out of scope reads as unknown (404). */
  async getWebhook(id: string, principal: Principal): Promise<WebhookDto> {
    const record = isUuid(id) ? await this.webhooksRepository.findOne(id, principal.scope.agencyRoots) : null;
    if (!record) throw notFound(id);
    return toDto(record);
  }

  async createWebhook(body: CreateWebhookBody, principal: Principal): Promise<WebhookWithSecretDto> {
    this.refuseUrl(body.url);
    await this.refuseAgencyOutOfScope(body.agencyCode, principal);
    const actor = actorOf(principal);
    const secret = body.secret ?? generateWebhookSecret();
    const created = toDto(await this.webhooksRepository.create({ ...body, sealedSecret: sealSecret(this.keyring, secret) }, actor));
    this.logger.log({ msg: 'webhook endpoint registered', webhookId: created.id, url: created.url, agencyCode: created.agencyCode, enabled: created.enabled, actor: actor.subject });
    return { ...created, secret };
  }

  async updateWebhook(id: string, body: UpdateWebhookBody, principal: Principal): Promise<WebhookDto | WebhookWithSecretDto> {
    if (!isUuid(id)) throw notFound(id);
    this.refuseUrl(body.url);
    if (body.agencyCode !== undefined) await this.refuseAgencyOutOfScope(body.agencyCode, principal);
    const { rotateSecret, secret: given, ...rest } = body;
    const secret = rotateSecret ? generateWebhookSecret() : given;
    const changes: WebhookChanges = { ...rest, ...(secret === undefined ? {} : { sealedSecret: sealSecret(this.keyring, secret) }) };
    const updated = await this.webhooksRepository.update(id, changes, principal.scope.agencyRoots);
    if (!updated) throw notFound(id);
    const changed = Object.keys(changes).map((key) => (key === 'sealedSecret' ? 'secret' : key));
    this.logger.log({ msg: 'webhook endpoint changed', webhookId: id, changed, actor: principal.subject });
    return secret === undefined ? toDto(updated) : { ...toDto(updated), secret };
  }

  async deleteWebhook(id: string, principal: Principal): Promise<void> {
    const deleted = isUuid(id) ? await this.webhooksRepository.delete(id, principal.scope.agencyRoots) : null;
    if (!deleted) throw notFound(id);
    this.logger.log({ msg: 'webhook endpoint removed', webhookId: id, url: deleted.url, actor: principal.subject });
  }

  /** An endpoint for one agency's alerts may only name an agency of the caller's scope (null: every alert). */
  private async refuseAgencyOutOfScope(agencyCode: string | null | undefined, principal: Principal): Promise<void> {
    if (agencyCode == null) return;
    if (!(await this.webhooksRepository.agencyInScope(agencyCode, principal.scope.agencyRoots))) {
      throw new ForbiddenException(`agencyCode: ${agencyCode} is outside your scope`);
    }
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
