import { randomBytes } from 'node:crypto';
import { Partitioners, PartitionerArgs, PartitionMetadata } from 'kafkajs';
import { KeyHashPartitioner, murmur2 } from './key-partitioner';
// kafkajs's own hash, the reference the fast one must equal.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2: (key: Buffer | string) => number = require('kafkajs/src/producer/partitioners/default/murmur2');

const metadata = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 1, replicas: [1], isr: [1] }));

const keys: Array<Buffer | string> = [
  '',
  'a',
  'ab',
  'abc',
  'abcd',
  '000.00.17.H31-250304-0012',
  'Hồ sơ-ệ-ữ',
  '😀 emoji key',
  'x'.repeat(255),
  'y'.repeat(256),
  'z'.repeat(1000),
  'é'.repeat(300),
  Buffer.from([0xff, 0x80, 0x00, 0x7f, 0x01]),
];
for (let i = 0; i < 2000; i++) {
  const bytes = randomBytes(i % 70);
  keys.push(i % 3 === 0 ? bytes : i % 3 === 1 ? bytes.toString('hex') : bytes.toString('latin1'));
}

describe('murmur2', () => {
  it('equals kafkajs for ASCII, non-ASCII, long and binary keys', () => {
    for (const key of keys) expect([key, murmur2(key)]).toEqual([key, kafkajsMurmur2(key)]);
  });
});

describe('KeyHashPartitioner', () => {
  it('picks the partition kafkajs DefaultPartitioner picks', () => {
    const ours = KeyHashPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (const count of [1, 3, 6, 12]) {
      for (const key of keys) {
        const args: PartitionerArgs = { topic: 't', partitionMetadata: metadata(count), message: { key, value: null } };
        expect(ours(args)).toBe(theirs(args));
      }
    }
  });

  it('honours an explicit partition and spreads keyless messages over available partitions', () => {
    const ours = KeyHashPartitioner();
    expect(ours({ topic: 't', partitionMetadata: metadata(6), message: { key: 'k', value: null, partition: 4 } })).toBe(4);
    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) seen.add(ours({ topic: 't', partitionMetadata: metadata(3), message: { key: null, value: null } }));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });
});
