import type { Producer, ProducerBatch } from 'kafkajs';
import { decodeKafkaMessage } from '@dvc/contracts';
import { generateDossierEvents } from '../generation/generate-dossier-events';
import { KafkaSink, toKafkaMessage } from './kafka.sink';

const events = [...generateDossierEvents({ dossiers: 2_000 })].map((g) => g.event);

describe(toKafkaMessage.name, () => {
  it('keys by dossier code and sends about the configured share in binary mode, both decodable', () => {
    const messages = events.map((event) => toKafkaMessage(event, 0.25));
    const binary = messages.filter((m) => m.headers?.ce_specversion !== undefined);
    expect(binary.length / messages.length).toBeGreaterThan(0.2);
    expect(binary.length / messages.length).toBeLessThan(0.3);
    messages.forEach((message, i) => {
      expect(message.key).toBe(events[i].subject);
      const decoded = decodeKafkaMessage({ value: message.value as Buffer, headers: message.headers as Record<string, string> });
      expect(decoded.ok && decoded.event.id).toBe(events[i].id);
    });
  });

  it('sends everything structured at share 0, and an event always in the same mode', () => {
    expect(events.every((e) => toKafkaMessage(e, 0).headers?.['content-type'] === 'application/cloudevents+json')).toBe(true);
    expect(events.map((e) => toKafkaMessage(e, 0.5).headers)).toEqual(events.map((e) => toKafkaMessage(e, 0.5).headers));
  });
});

describe(KafkaSink.name, () => {
  const fakeProducer = () => {
    const batches: ProducerBatch[] = [];
    const producer = {
      connect: jest.fn(async () => undefined),
      disconnect: jest.fn(async () => undefined),
      sendBatch: jest.fn(async (batch: ProducerBatch) => {
        batches.push(batch);
        return [];
      }),
    };
    return { producer, batches };
  };

  it('connects once and sends a batch to the topic with acks from all replicas', async () => {
    const { producer, batches } = fakeProducer();
    const sink = new KafkaSink(producer as unknown as Producer, 'dvc.dossier-events.v1', 0);
    expect(await sink.send(events.slice(0, 10))).toEqual({ accepted: 10, rejected: 0, failed: 0 });
    await sink.send(events.slice(10, 20));
    expect(producer.connect).toHaveBeenCalledTimes(1);
    expect(batches[0].acks).toBe(-1);
    expect(batches[0].topicMessages?.[0].topic).toBe('dvc.dossier-events.v1');
    expect(batches[0].topicMessages?.[0].messages).toHaveLength(10);
  });

  it('reconnects after a failure', async () => {
    const { producer } = fakeProducer();
    producer.sendBatch.mockRejectedValueOnce(new Error('broker down'));
    const sink = new KafkaSink(producer as unknown as Producer, 't', 0);
    await expect(sink.send(events.slice(0, 1))).rejects.toThrow('broker down');
    await sink.send(events.slice(0, 1));
    expect(producer.connect).toHaveBeenCalledTimes(2);
  });
});
