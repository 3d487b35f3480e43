import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  status: number;
  /** When the whole request had arrived (epoch ms). */
  receivedAt: number;
  /** When it was answered (epoch ms; for status 0, when the answer was due). */
  at: number;
}

/**
 * A real HTTP server (node:http) that records what it receives, raw. `failNext(n)` answers the next n
 * webhook requests with 500, to exercise retries.
 */
export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  private readonly server: Server;
  private failures = 0;
  port = 0;

  /**
   * `answerDelayMs`: every request waits this long for its answer, as with a slow receiver; one whose sender went
   * away meanwhile is recorded with status 0 (received in full, but never answered).
   */
  constructor(options: { answerDelayMs?: number } = {}) {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const receivedAt = Date.now();
        const answer = () => {
          const rawBody = Buffer.concat(chunks);
          if (request.socket.destroyed) {
            this.received.push({ path: request.url ?? '', headers: request.headers, rawBody, status: 0, receivedAt, at: Date.now() });
            return;
          }
          const status = this.failures > 0 && request.url === '/hook' ? 500 : 200;
          if (status === 500) this.failures -= 1;
          this.received.push({ path: request.url ?? '', headers: request.headers, rawBody, status, receivedAt, at: Date.now() });
          response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try again');
        };
        if (options.answerDelayMs) setTimeout(answer, options.answerDelayMs);
        else answer();
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  failNext(count: number): void {
    this.failures = count;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Accepted (200) requests to `path`. */
  accepted(path: string): ReceivedRequest[] {
    return this.received.filter((r) => r.path === path && r.status === 200);
  }
}

/**
 * What a receiver does: recompute HMAC-SHA256(secret, `${X-DVC-Timestamp}.${raw body}`) and compare it
 * in constant time with X-DVC-Signature (`sha256=<hex>`); refuse timestamps too far from now.
 */
export function verifySignature(secret: string, headers: IncomingHttpHeaders, rawBody: Buffer, toleranceSeconds = 300, nowSeconds = Date.now() / 1000): boolean {
  const timestamp = String(headers['x-dvc-timestamp'] ?? '');
  const signature = String(headers['x-dvc-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
  const a = Buffer.from(signature);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
