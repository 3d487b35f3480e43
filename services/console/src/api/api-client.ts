import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ConsoleEnvironment } from '../config/console-environment';

/** The API answered with an error: the page shows its status and message (the API's messages are precise). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | null | undefined>;

/**
 * The console's only way to data: the API, called with the signed-in person's own access token. The API
 * decides scope and permission exactly as it does for any other client; the console never reads the database.
 */
@Injectable()
export class ApiClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(config: ConfigService<ConsoleEnvironment, true>) {
    this.baseUrl = config.get('CONSOLE_API_URL', { infer: true });
    this.timeoutMs = config.get('CONSOLE_API_TIMEOUT_MS', { infer: true });
  }

  url(path: string, query: Query = {}): string {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
    return url.href;
  }

  async get<T>(token: string, path: string, query: Query = {}): Promise<T> {
    return this.json<T>(await this.send(token, 'GET', this.url(path, query)));
  }

  async send(token: string, method: string, url: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw new ApiError(503, `the API did not answer (${(error as Error).name === 'TimeoutError' ? `no answer in ${this.timeoutMs} ms` : (error as Error).message})`);
    }
    if (!response.ok) throw new ApiError(response.status, await messageOf(response));
    return response;
  }

  async write<T>(token: string, method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T | null> {
    const response = await this.send(token, method, this.url(path), body);
    return response.status === 204 ? null : this.json<T>(response);
  }

  private async json<T>(response: Response): Promise<T> {
    return (await response.json()) as T;
  }
}

async function messageOf(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (Array.isArray(body.message)) return body.message.join('; ');
    if (typeof body.message === 'string') return body.message;
  } catch {
    // not JSON: the status says enough
  }
  return `HTTP ${response.status}`;
}
