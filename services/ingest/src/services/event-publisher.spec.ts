import type { Message } from 'kafkajs';
import { chunksOf, MAX_REQUEST_BYTES } from './event-publisher.service';

describe(chunksOf.name, () => {
  const item = (n: number, bytes: number) => ({ topic: 't', message: { key: `k${n}`, value: Buffer.alloc(bytes), headers: { h: 'v' } } as Message, n });

  it('keeps every message, in order, in requests under the broker limit', () => {
    // A 2 MB fetch of ~700-byte events, as a backlog brings: one request would be over 1 MB.
    const items = Array.from({ length: 3_000 }, (_, n) => item(n, 700));
    const chunks = chunksOf(items, MAX_REQUEST_BYTES);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.flat().map((entry) => entry.n)).toEqual(items.map((entry) => entry.n));
    const bytes = (entry: (typeof items)[number]) => String(entry.message.key).length + (entry.message.value as Buffer).length + 'hv'.length;
    for (const chunk of chunks) expect(chunk.reduce((sum, entry) => sum + bytes(entry), 0)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
  });

  it('sends a message larger than the chunk size alone, and nothing for nothing', () => {
    const chunks = chunksOf([item(0, 10), item(1, 2_000), item(2, 10)], 1_000);
    expect(chunks.map((chunk) => chunk.map((entry) => entry.n))).toEqual([[0], [1], [2]]);
    expect(chunksOf([], 1_000)).toEqual([]);
  });
});
