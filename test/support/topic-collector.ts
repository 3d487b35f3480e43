import type { Consumer } from 'kafkajs';
import { kafkaClient } from './infrastructure';
import { eventually } from './service-process';

export interface Collected {
  partition: number;
  offset: bigint;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Everything on one topic since its beginning, read by a consumer that runs for the whole file. */
export class TopicCollector {
  readonly messages: Collected[] = [];
  private consumer: Consumer | null = null;

  constructor(private readonly topic: string) {}

  async start(): Promise<void> {
    this.consumer = kafkaClient('dvc-test-collector').consumer({ groupId: `collector-${this.topic}` });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(Array.isArray(value) ? value[0] : value);
        this.messages.push({ partition, offset: BigInt(message.offset), key: message.key?.toString() ?? null, value: message.value, headers });
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = null;
  }

  /** The messages whose JSON value has one of `ids` as its `id`, once all of them have arrived. */
  async byIds(ids: string[], what: string): Promise<Map<string, Collected>> {
    return eventually(
      async () => {
        const found = new Map<string, Collected>();
        for (const message of this.messages) {
          const id = idOf(message.value);
          if (id !== null && ids.includes(id)) found.set(id, message);
        }
        return found.size === ids.length ? found : undefined;
      },
      30_000,
      `${what} on ${this.topic}`,
    );
  }

  ids(): string[] {
    return this.messages.map((message) => idOf(message.value) ?? `<no id: ${message.value?.toString()}>`);
  }
}

export function idOf(value: Buffer | null): string | null {
  try {
    const parsed = JSON.parse(value?.toString() ?? 'null') as { id?: unknown };
    return typeof parsed?.id === 'string' ? parsed.id : null;
  } catch {
    return null;
  }
}
