import { createWriteStream, WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { CloudEventV1 } from '@dvc/contracts';
import { NdjsonEncoder } from './ndjson-encoder';
import { EventSink, SendResult } from './event-sink';

/** One structured event per line. Writes a batch as one buffer and waits when the disk falls behind. */
export class NdjsonFileSink implements EventSink {
  readonly name = 'file';
  private readonly stream: WriteStream;
  private failure: Error | null = null;
  private readonly encoder = new NdjsonEncoder();

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'w', highWaterMark: 1 << 20 });
    this.stream.on('error', (error) => (this.failure = error));
  }

  async send(events: readonly CloudEventV1[]): Promise<SendResult> {
    for (const event of events) this.encoder.append(event);
    await this.write(this.encoder.take());
    return { accepted: events.length, rejected: 0, failed: 0 };
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  get bytesWritten(): number {
    return this.stream.bytesWritten;
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
    if (this.failure) throw this.failure;
  }
}
