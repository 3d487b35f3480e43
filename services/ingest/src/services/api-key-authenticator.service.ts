import { Injectable, UnauthorizedException } from '@nestjs/common';
import { hashApiKey } from '@dvc/domain';
import { IngestSource, IngestSourcesRepository } from '../repositories/ingest-sources.repository';

export { hashApiKey };

/** Finds the registered source an API key belongs to; keys are stored only as SHA-256 hashes. */
@Injectable()
export class ApiKeyAuthenticator {
  constructor(private readonly sources: IngestSourcesRepository) {}

  async authenticate(headers: Record<string, string | string[] | undefined>): Promise<IngestSource> {
    const apiKey = apiKeyFrom(headers);
    if (!apiKey) throw new UnauthorizedException('an API key is required: header x-api-key or Authorization: Bearer <key>');
    const source = await this.sources.findActiveByKeyHash(hashApiKey(apiKey));
    if (!source) throw new UnauthorizedException('unknown or revoked API key');
    return source;
  }
}

function apiKeyFrom(headers: Record<string, string | string[] | undefined>): string | null {
  const explicit = headers['x-api-key'];
  if (typeof explicit === 'string' && explicit.trim()) return explicit.trim();
  const authorization = headers.authorization;
  const bearer = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return bearer ? bearer[1] : null;
}
