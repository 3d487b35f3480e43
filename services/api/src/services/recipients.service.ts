import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { RecipientDto } from '../dtos/recipient.dto';
import { CreateRecipientBody, RecipientsQuery, isRecipientId } from '../dtos/recipients-input.dto';
import { RecipientRecord, RecipientsRepository } from '../repositories/recipients.repository';
import { Page, toPage } from '../utils/page.util';
import { isUniqueViolation } from './targets.service';

@Injectable()
export class RecipientsService {
  private readonly logger = new Logger(RecipientsService.name);

  constructor(private readonly recipientsRepository: RecipientsRepository) {}

  async findRecipients(query: RecipientsQuery): Promise<Page<RecipientDto>> {
    const rows = await this.recipientsRepository.find({ agency: query.agency ?? null, after: query.cursor, limit: query.limit + 1 });
    return toPage(rows, query.limit, (row) => [row.agencyCode, row.emailKey], toDto);
  }

  async createRecipient(body: CreateRecipientBody, actor: string): Promise<RecipientDto> {
    try {
      const created = toDto(await this.recipientsRepository.create(body, actor));
      this.logger.log({ msg: 'recipient registered', recipientId: created.id, agencyCode: created.agencyCode, actor });
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

  /** The deletion is logged with its actor (the table keeps no history of removed recipients). */
  async deleteRecipient(id: string, actor: string): Promise<void> {
    const deleted = isRecipientId(id) ? await this.recipientsRepository.delete(id) : null;
    if (!deleted) throw new NotFoundException(`recipient ${JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id)} does not exist`);
    this.logger.log({ msg: 'recipient removed', recipientId: deleted.id, agencyCode: deleted.agencyCode, email: deleted.email, actor });
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
