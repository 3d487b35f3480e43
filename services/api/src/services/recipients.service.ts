import { ConflictException, ForbiddenException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { actorOf, Principal } from '@dvc/auth';
import type { RecipientDto } from '../dtos/recipient.dto';
import { CreateRecipientBody, RecipientsQuery, isRecipientId } from '../dtos/recipients-input.dto';
import { RecipientRecord, RecipientsRepository } from '../repositories/recipients.repository';
import { Page, toPage } from '../utils/page.util';
import { isUniqueViolation } from './targets.service';

@Injectable()
export class RecipientsService {
  private readonly logger = new Logger(RecipientsService.name);

  constructor(private readonly recipientsRepository: RecipientsRepository) {}

  async findRecipients(query: RecipientsQuery, principal: Principal): Promise<Page<RecipientDto>> {
    const rows = await this.recipientsRepository.find({
      agency: query.agency ?? null,
      after: query.cursor,
      limit: query.limit + 1,
      scopeRoots: principal.scope.agencyRoots,
    });
    return toPage(rows, query.limit, (row) => [row.agencyCode, row.emailKey], toDto);
  }

  /** Only for an agency of the caller's scope (403 otherwise, known agency or not). */
  async createRecipient(body: CreateRecipientBody, principal: Principal): Promise<RecipientDto> {
    const actor = actorOf(principal);
    try {
      const record = await this.recipientsRepository.create(body, actor, principal.scope.agencyRoots);
      if (!record) throw new ForbiddenException(`agencyCode: ${body.agencyCode} is outside your scope; you may register recipients of your own agencies only`);
      const created = toDto(record);
      this.logger.log({ msg: 'recipient registered', recipientId: created.id, agencyCode: created.agencyCode, actor: actor.subject });
      return created;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.recipientsRepository.findByKey(body.agencyCode, body.email);
      throw new ConflictException(
        `email: ${JSON.stringify(body.email)} already receives the alerts of agency ${body.agencyCode}` +
          (existing ? ` (recipient ${existing.id}, as ${JSON.stringify(existing.email)}); addresses are compared without regard to case` : ''),
      );
    }
  }

  /**
   * The deletion is logged with its actor's subject (the table keeps no history of removed recipients); not with
   * the address, which is personal data. Out of scope is a 404 like unknown.
   */
  async deleteRecipient(id: string, principal: Principal): Promise<void> {
    const deleted = isRecipientId(id) ? await this.recipientsRepository.delete(id, principal.scope.agencyRoots) : null;
    if (!deleted) throw new NotFoundException(`recipient ${JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id)} does not exist`);
    this.logger.log({ msg: 'recipient removed', recipientId: deleted.id, agencyCode: deleted.agencyCode, actor: principal.subject });
  }
}

function toDto(record: RecipientRecord): RecipientDto {
  return {
    id: record.id,
    agencyCode: record.agencyCode,
    email: record.email,
    name: record.name,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
  };
}
