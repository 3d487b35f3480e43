import { encodeBinary } from '@dvc/contracts';
import type { Message } from 'kafkajs';
import { KAFKA_BROKERS, kafkaClient } from './infrastructure';
import type { Delivery } from './scenario';

/** The Kafka message of a delivery: structured or binary as it says, or its invalid bytes. */
export function deliveryMessage(delivery: Delivery): Message {
  if (delivery.invalidBytes !== undefined) return { key: delivery.key, value: delivery.invalidBytes };
  if (delivery.binary) {
    // RawEvent is a plain CloudEvent literal; the encoder takes the open CloudEventV1 shape.
    const binary = encodeBinary(delivery.event as unknown as Parameters<typeof encodeBinary>[0]);
    return { key: delivery.key, value: binary.value, headers: binary.headers };
  }
  return { key: delivery.key, value: JSON.stringify(delivery.event), headers: { 'content-type': 'application/cloudevents+json' } };
}

/** Produces the deliveries in order, in chunks, structured or binary as each says. */
export async function produceDeliveries(topic: string, deliveries: Delivery[], chunkSize = 2_000, brokers: string[] = KAFKA_BROKERS): Promise<void> {
  const producer = kafkaClient('dvc-test-producer', brokers).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let start = 0; start < deliveries.length; start += chunkSize) {
      await producer.send({ topic, messages: deliveries.slice(start, start + chunkSize).map(deliveryMessage), acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Reads a whole topic from the beginning until `expected` messages arrived (or time runs out). */
export async function readTopic(topic: string, expected: number, timeoutMs = 60_000) {
  const consumer = kafkaClient('dvc-test-reader').consumer({ groupId: `reader-${topic}-${Date.now()}` });
  const messages: Array<{ key: string | null; value: Buffer | null; headers: Record<string, string> }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(Array.isArray(value) ? value[0] : value);
      messages.push({ key: message.key?.toString() ?? null, value: message.value, headers });
      if (messages.length >= expected) done();
    },
  });
  const timer = setTimeout(done, timeoutMs);
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  return messages;
}
