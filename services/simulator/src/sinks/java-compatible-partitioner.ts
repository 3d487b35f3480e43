import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 (as the Java client and kafkajs' DefaultPartitioner compute it) in 32-bit integer
 * arithmetic. kafkajs does the same with 64-bit Long objects, which cost a quarter of replay's time;
 * only the low 32 bits ever matter, so `Math.imul` gives the very same hash (the spec checks it).
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[whole + 2] << 16;
  if (tail >= 2) h ^= data[whole + 1] << 8;
  if (tail >= 1) h = Math.imul(h ^ data[whole], M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * kafkajs' default (Java-compatible) partitioning with the fast hash: a keyed message goes where a
 * Java or kafkajs producer would put the same key, so one dossier stays on one partition whoever sends.
 */
export const JavaCompatiblePartitioner: ICustomPartitioner = () => {
  let counter = Math.floor(Math.random() * 0x7fffffff);
  return ({ partitionMetadata, message }: PartitionerArgs) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) {
      const key = typeof message.key === 'string' ? Buffer.from(message.key) : message.key;
      return (murmur2(key) & 0x7fffffff) % partitionMetadata.length;
    }
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    const pool = available.length > 0 ? available : partitionMetadata;
    counter = (counter + 1) & 0x7fffffff;
    return pool[counter % pool.length].partitionId;
  };
};
