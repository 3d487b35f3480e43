import type { CloudEventV1 } from '@dvc/contracts';
import { MEDIA_TYPES } from '@dvc/contracts';
import { EventSink, SendResult } from './event-sink';

export interface HttpSinkOptions {
  url: string;
  apiKey: string;
  timeoutMs?: number;
  /** Attempts for a batch the server could not take (network error, 429, 5xx). */
  attempts?: number;
}

/** Per-event results as ingest answers a batch; other receivers may answer less, which is fine. */
interface BatchAnswer {
  accepted?: number;
  rejected?: number;
}

/** `POST` batches in the CloudEvents HTTP batched mode, as a one-stop system without Kafka would. */
export class HttpSink implements EventSink {
  readonly name = 'http';

  constructor(private readonly options: HttpSinkOptions) {}

  async send(events: readonly CloudEventV1[]): Promise<SendResult> {
    if (events.length === 0) return { accepted: 0, rejected: 0, failed: 0 };
    const body = JSON.stringify(events);
    const attempts = this.options.attempts ?? 3;
    let lastProblem = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(this.options.url, {
          method: 'POST',
          headers: { 'content-type': MEDIA_TYPES.cloudEventBatch, 'x-api-key': this.options.apiKey },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
        const text = await response.text();
        if (response.ok) return countAnswer(text, events.length);
        lastProblem = `HTTP ${response.status}: ${text.slice(0, 200)}`;
        // 4xx other than 429 will not get better by sending the same batch again.
        if (response.status < 500 && response.status !== 429) break;
      } catch (error) {
        lastProblem = error instanceof Error ? error.message : String(error);
      }
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
    throw new Error(`POST ${this.options.url} failed: ${lastProblem}`);
  }

  async close(): Promise<void> {}
}

function countAnswer(text: string, sent: number): SendResult {
  try {
    const answer = JSON.parse(text) as BatchAnswer;
    if (typeof answer.accepted === 'number' && typeof answer.rejected === 'number') {
      return { accepted: answer.accepted, rejected: answer.rejected, failed: 0 };
    }
  } catch {
    // Not ingest's answer: a 2xx alone means the batch was taken.
  }
  return { accepted: sent, rejected: 0, failed: 0 };
}
