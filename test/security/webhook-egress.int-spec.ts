import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { outboundPolicy } from '@dvc/domain';
import { EgressRefusedError, postUnderPolicy } from '../../services/alerting/src/notifications/senders';

/**
 * The alerting service's webhook egress, over real sockets and the machine's real resolver: receivers on
 * loopback stand for what sits behind a data center's firewall. Each refusal is checked on both sides: the call
 * fails with the policy's reason, and the receiver saw no request at all.
 */
interface Receiver {
  url: string;
  requests: Array<{ method?: string; url?: string; body: string }>;
  close(): Promise<void>;
}

async function receiver(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method, url: request.url, body: Buffer.concat(chunks).toString() });
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const LIMITS = { timeoutMs: 5_000, maxResponseBytes: 1_024 };
const HEADERS = { 'content-type': 'application/json' };
const closed = outboundPolicy(false, '');
const httpNoAllowlist = outboundPolicy(true, '');
const loopbackAllowed = outboundPolicy(true, '127.0.0.1/32');

async function refusal(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to be refused, but it was delivered');
}

describe('webhook egress (real sockets, real DNS)', () => {
  const receivers: Receiver[] = [];
  const start = async (answer: (request: IncomingMessage, response: ServerResponse) => void) => {
    const started = await receiver(answer);
    receivers.push(started);
    return started;
  };
  const ok = (_request: IncomingMessage, response: ServerResponse) => response.writeHead(204).end();

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('calls an allowlisted receiver and hands it the body', async () => {
    const target = await start(ok);
    const response = await postUnderPolicy(loopbackAllowed, `${target.url}/hooks`, HEADERS, '{"type":"alert.opened"}', LIMITS);
    expect(response.status).toBe(204);
    expect(target.requests).toEqual([{ method: 'POST', url: '/hooks', body: '{"type":"alert.opened"}' }]);
  });

  it('refuses plain http unless WEBHOOK_ALLOW_HTTP, before any connection', async () => {
    const target = await start(ok);
    const error = await refusal(postUnderPolicy(closed, target.url, HEADERS, '{}', LIMITS));
    expect(error).toBeInstanceOf(EgressRefusedError);
    expect(error.message).toBe('webhook URL must be an https:// URL (http:// only where WEBHOOK_ALLOW_HTTP=true)');
    expect(target.requests).toEqual([]);
  });

  it('refuses a loopback, private or metadata address given literally, unless allowlisted', async () => {
    const target = await start(ok);
    const loopback = await refusal(postUnderPolicy(httpNoAllowlist, target.url, HEADERS, '{}', LIMITS));
    expect(loopback.message).toMatch(/^webhook URL 127\.0\.0\.1 is in a loopback range; not called unless WEBHOOK_ALLOWED_CIDRS allows it$/);
    const metadata = await refusal(postUnderPolicy(loopbackAllowed, 'http://169.254.169.254/latest/meta-data/', HEADERS, '{}', LIMITS));
    expect(metadata.message).toMatch(/169\.254\.169\.254 is in a link-local/);
    const mapped = await refusal(postUnderPolicy(httpNoAllowlist, target.url.replace('127.0.0.1', '[::ffff:127.0.0.1]'), HEADERS, '{}', LIMITS));
    expect(mapped).toBeInstanceOf(EgressRefusedError);
    expect(target.requests).toEqual([]);
  });

  it('resolves a host name at send time and refuses it when any of its addresses is special', async () => {
    const target = await start(ok);
    const byName = target.url.replace('127.0.0.1', 'localhost');
    const refused = await refusal(postUnderPolicy(httpNoAllowlist, byName, HEADERS, '{}', LIMITS));
    expect(refused).toBeInstanceOf(EgressRefusedError);
    expect(refused.message).toMatch(/^webhook host localhost resolves to (127\.0\.0\.1|::1) is in a loopback range/);
    expect(target.requests).toEqual([]);
  });

  it('never follows a redirect: the 3xx is the answer, and its target hears nothing', async () => {
    const hidden = await start(ok);
    const redirecting = await start((_request, response) => response.writeHead(307, { location: `${hidden.url}/internal` }).end());
    const response = await postUnderPolicy(loopbackAllowed, redirecting.url, HEADERS, '{}', LIMITS);
    expect(response.status).toBe(307);
    expect(redirecting.requests).toHaveLength(1);
    expect(hidden.requests).toEqual([]);
  });

  it('reads at most WEBHOOK_MAX_RESPONSE_BYTES of an answer, however much the receiver sends', async () => {
    const flooding = await start((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      // 16 MiB unless the client stops reading; a client that read it all would hold it in memory.
      let left = 256;
      const push = () => {
        while (left > 0 && response.write(chunk)) left -= 1;
        if (left > 0) response.once('drain', push);
        else response.end();
      };
      push();
    });
    const response = await postUnderPolicy(loopbackAllowed, flooding.url, HEADERS, '{}', LIMITS);
    expect(response.status).toBe(200);
    expect(response.bodyPrefix.length).toBe(LIMITS.maxResponseBytes);
  });

  it('gives up on a receiver that does not answer within WEBHOOK_TIMEOUT_MS', async () => {
    const silent = await start(() => undefined);
    const error = await refusal(postUnderPolicy(loopbackAllowed, silent.url, HEADERS, '{}', { ...LIMITS, timeoutMs: 300 }));
    expect(error.message).toBe('webhook endpoint did not answer within 300 ms');
    expect(error).not.toBeInstanceOf(EgressRefusedError);
    expect(silent.requests).toHaveLength(1);
  });
});
