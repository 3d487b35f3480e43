import type { CloudEventV1 } from '@dvc/contracts';

export type SinkName = 'kafka' | 'http' | 'file';

/** What became of a batch: delivered, refused one by one by the receiver, or not delivered at all. */
export interface SendResult {
  accepted: number;
  rejected: number;
  failed: number;
}

/** Where simulated events go. A sink delivers a batch at a time and is closed once, after the last. */
export interface EventSink {
  readonly name: SinkName;
  send(events: readonly CloudEventV1[]): Promise<SendResult>;
  close(): Promise<void>;
}
