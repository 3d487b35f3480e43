import { BadRequestException } from '@nestjs/common';
import { ZodBodyPipe } from '../pipes/zod-body.pipe';
import { ZodQueryPipe } from '../pipes/zod-query.pipe';
import { generateWebhookSecret } from '../services/webhooks.service';
import { createWebhookBodySchema, sourceActivityQuerySchema, updateWebhookBodySchema, webhooksQuerySchema } from './webhooks-input.dto';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return ((error as BadRequestException).getResponse() as { message: string }).message;
  }
  throw new Error('expected a 400');
}

describe('POST /v1/webhooks body', () => {
  const pipe = new ZodBodyPipe(createWebhookBodySchema);

  it('defaults to enabled, every alert, no name, a generated secret; lower-cases only the scheme', () => {
    expect(pipe.transform({ url: ' HTTPS://Ioc.Example.vn/Hook ' })).toEqual({
      url: 'https://Ioc.Example.vn/Hook',
      secret: null,
      name: null,
      agencyCode: null,
      enabled: true,
    });
    expect(pipe.transform({ url: 'http://10.0.0.5:8080/a', secret: 'x'.repeat(16), name: ' ', agencyCode: ' A ', enabled: false })).toEqual({
      url: 'http://10.0.0.5:8080/a',
      secret: 'x'.repeat(16),
      name: null,
      agencyCode: 'A',
      enabled: false,
    });
  });

  it.each([
    [{ url: 'ftp://a.example/' }, 'url: "ftp://a.example/" is not an http:// or https:// URL'],
    [{ url: 'http:/a.example/' }, 'url: "http:/a.example/" is not an http:// or https:// URL'],
    [{ url: 'https://u:p@a.example/' }, 'url: "https://u:p@a.example/" must not carry a user name or password (the URL is shown to every reader; the secret signs the calls)'],
    [{ url: `https://a.example/${'x'.repeat(2_048)}` }, 'url: must be at most 2048 characters'],
    [{ url: 'https://a.example/', secret: 'x'.repeat(15) }, 'secret: must be at least 16 characters (16–256 printable ASCII characters without spaces)'],
    [{ url: 'https://a.example/', secret: 'x'.repeat(257) }, 'secret: must be at most 256 characters'],
    [{ url: 'https://a.example/', secret: 'bí-mật-bí-mật-bí-mật' }, 'secret: must be 16–256 printable ASCII characters without spaces'],
    [{ url: 'https://a.example/', secret: null }, 'secret: null is not allowed; give a secret of 16–256 printable ASCII characters without spaces, or leave it out to have one generated'],
    [[], 'body: must be a JSON object (a webhook endpoint)'],
  ])('refuses %j precisely', (body, message) => {
    expect(messageOf(() => pipe.transform(body))).toBe(message);
  });
});

describe('PATCH /v1/webhooks/:id body', () => {
  const pipe = new ZodBodyPipe(updateWebhookBodySchema);

  it('keeps only what is given', () => {
    expect(pipe.transform({ enabled: false })).toEqual({ enabled: false });
    expect(pipe.transform({ agencyCode: null, rotateSecret: true })).toEqual({ agencyCode: null, rotateSecret: true });
  });

  it('refuses an empty or contradictory change', () => {
    expect(messageOf(() => pipe.transform({}))).toBe('body: nothing to change; give at least one of url, name, agencyCode, enabled, secret, rotateSecret');
    expect(messageOf(() => pipe.transform({ secret: 'y'.repeat(20), rotateSecret: true }))).toBe(
      'rotateSecret: give either secret (your own) or rotateSecret (a generated one), not both',
    );
  });
});

describe('webhook and source activity queries', () => {
  it('reads filters and refuses unknown parameters', () => {
    const pipe = new ZodQueryPipe(webhooksQuerySchema);
    expect(pipe.transform({})).toEqual({ agency: null, enabled: null, limit: 100, after: null });
    expect(pipe.transform({ enabled: 'false', agency: 'A' })).toMatchObject({ agency: 'A', enabled: false });
    expect(messageOf(() => pipe.transform({ url: 'x' }))).toBe('url: unknown parameter; allowed: agency, enabled, limit, cursor');
    expect(new ZodQueryPipe(sourceActivityQuerySchema).transform({})).toEqual({ limit: 100, cursor: null });
  });
});

describe('generated webhook secrets', () => {
  it('are long, URL-safe, prefixed and different each time', () => {
    const [a, b] = [generateWebhookSecret(), generateWebhookSecret()];
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });
});
