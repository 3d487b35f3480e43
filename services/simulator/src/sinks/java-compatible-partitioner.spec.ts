import { PartitionerArgs, Partitioners } from 'kafkajs';
import { Random } from '../model/random';
import { JavaCompatiblePartitioner, murmur2 } from './java-compatible-partitioner';

describe(murmur2.name, () => {
  it('matches the Java client on known keys', () => {
    // Values from Kafka's UtilsTest#testMurmur2.
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
  });
});

describe('JavaCompatiblePartitioner', () => {
  it('chooses the partition kafkajs DefaultPartitioner chooses, for any key', () => {
    const ours = JavaCompatiblePartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1] }));
    const random = new Random(8);
    for (let i = 0; i < 5_000; i++) {
      const key = `${String(random.int(0, 999)).padStart(3, '0')}.${random.int(10, 99)}.00.H31-25${random.int(1000, 1231)}-${'x'.repeat(random.int(0, 9))}${i}`;
      const args = { topic: 't', partitionMetadata, message: { key, value: null } } as unknown as PartitionerArgs;
      expect(ours(args)).toBe(theirs(args));
    }
  });
});
