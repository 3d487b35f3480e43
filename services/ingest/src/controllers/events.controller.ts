import { STATUS_CODES } from 'node:http';
import { Controller, Headers, HttpCode, HttpException, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Public } from '@dvc/auth';
import { ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import getRawBody from 'raw-body';
import { IngestConfig } from '../ingest-config';
import { IngestMetrics } from '../metrics/ingest.metrics';
import { ApiKeyAuthenticator } from '../services/api-key-authenticator.service';
import { HttpIntake, IntakeResponse } from '../services/http-intake.service';

@ApiTags('events')
// One-stop systems authenticate with their source's API key (checked in the handler), not with a user token.
@Public()
@Controller('v1/events')
export class EventsController {
  private readonly maxBodyBytes: number;

  constructor(
    config: ConfigService<IngestConfig, true>,
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly intake: HttpIntake,
    private readonly metrics: IngestMetrics,
  ) {
    this.maxBodyBytes = config.get('INGEST_HTTP_MAX_BODY_BYTES', { infer: true });
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send dossier events (CloudEvents 1.0, structured or batched)',
    description:
      'A batch answers 200 with a result per event (accepted, or rejected with the failing field and the reason); ' +
      'a single event answers 200 when accepted and 400 when rejected. Rejected events also go to the dead-letter topic.',
  })
  @ApiConsumes('application/cloudevents-batch+json', 'application/cloudevents+json')
  @ApiHeader({ name: 'x-api-key', description: 'The source’s API key (or Authorization: Bearer <key>)', required: true })
  @ApiBody({ schema: { oneOf: [{ type: 'array', items: { type: 'object' } }, { type: 'object' }] } })
  @ApiResponse({ status: 401, description: 'Missing, unknown or revoked API key' })
  @ApiResponse({ status: 413, description: 'Body or batch over the limit' })
  @ApiResponse({ status: 415, description: 'Not a CloudEvents JSON media type' })
  @ApiResponse({ status: 429, description: 'The source sent more events this minute than allowed' })
  @ApiResponse({ status: 503, description: 'Kafka unavailable: the request did not complete; send it again (re-sent events change nothing)' })
  async post(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Headers('content-type') contentType: string | undefined,
  ): Promise<IntakeResponse> {
    try {
      const source = await this.authenticator.authenticate(request.headers);
      const body = await this.readBody(request);
      const { batch, ...result } = await this.intake.receive(source, contentType, body);
      if (!batch && result.rejected > 0) response.status(HttpStatus.BAD_REQUEST);
      this.metrics.httpRequests.inc({ status: String(response.statusCode) });
      this.metrics.batchSize.observe({ transport: 'http' }, result.results.length);
      return result;
    } catch (error) {
      this.metrics.httpRequests.inc({ status: String(error instanceof HttpException ? error.getStatus() : 500) });
      const retryAfterSeconds = error instanceof HttpException ? (error.getResponse() as { retryAfterSeconds?: unknown }).retryAfterSeconds : undefined;
      if (typeof retryAfterSeconds === 'number') response.setHeader('Retry-After', String(retryAfterSeconds));
      throw error;
    }
  }

  private async readBody(request: Request): Promise<Buffer> {
    try {
      return await getRawBody(request, { limit: this.maxBodyBytes, length: request.headers['content-length'] });
    } catch (error) {
      const status = (error as { status?: number }).status ?? 400;
      const message =
        status === 413 ? `the body may be at most ${this.maxBodyBytes} bytes` : `the body could not be read: ${(error as Error).message}`;
      throw new HttpException({ statusCode: status, error: STATUS_CODES[status], message }, status);
    }
  }
}
