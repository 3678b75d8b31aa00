// Checks that the test broker (and kafkajs 2.2.4 against it) does what the indexer relies on:
// partitioned topics, idempotent keyed produce, consumer groups, committed offsets.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type IHeaders, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKafka, type RunningService } from '../services/kafka.js';

interface Sent { key: string; value: string; trace: string }
interface Received extends Sent { partition: number; offset: number }

let service: RunningService;
let kafka: Kafka;
let admin: Admin;
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  service = await ensureKafka();
  kafka = new Kafka({ clientId: `broker-test-${run}`, brokers: service.url.split(','), logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
}, 180_000);

afterAll(async () => {
  await admin?.disconnect();
  await service?.stop();
}, 60_000);

async function createTopic(topic: string, numPartitions: number) {
  expect(await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true })).toBe(true);
  return (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!;
}

function messages(from: number, count: number): Sent[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `key-${(from + i) % 7}`,
    value: JSON.stringify({ seq: from + i }),
    trace: `trace-${run}-${from + i}`,
  }));
}

async function produce(topic: string, batch: Sent[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    // Several requests, so the idempotent sequence numbers advance across batches.
    for (let i = 0; i < batch.length; i += 5) {
      await producer.send({
        topic,
        acks: -1,
        messages: batch.slice(i, i + 5).map((m) => ({ key: m.key, value: m.value, headers: { trace: m.trace } })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

function decode(partition: number, message: KafkaMessage): Received {
  const headers: IHeaders = message.headers ?? {};
  return {
    partition,
    offset: Number(message.offset),
    key: message.key?.toString() ?? '',
    value: message.value?.toString() ?? '',
    trace: headers.trace?.toString() ?? '',
  };
}

/** Runs a consumer in `groupId` until it has seen `expected` messages and the last message of every partition. */
async function consume(
  topic: string,
  groupId: string,
  expected: number,
  beforeDisconnect?: (consumer: Consumer, received: Received[]) => Promise<void>,
): Promise<Received[]> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const received: Received[] = [];
  let reached!: () => void;
  let timer: NodeJS.Timeout | undefined;
  const enough = new Promise<void>((resolve, reject) => {
    reached = resolve;
    timer = setTimeout(() => reject(new Error(`got ${received.length}/${expected} messages`)), 45_000);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        received.push(decode(partition, message));
        if (received.length >= expected) reached();
      },
    });
    await enough;
    await endOfEveryPartition(topic, received);
    await beforeDisconnect?.(consumer, received);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return received;
}

/**
 * Waits until `received` holds the last message of every partition (its high watermark less one): messages
 * of a partition arrive in offset order, so an extra copy would be there by then.
 */
async function endOfEveryPartition(topic: string, received: Received[]): Promise<void> {
  const high = (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, last: Number(o.high) - 1 }));
  const deadline = Date.now() + 30_000;
  const reachedEnd = () => high.every(({ partition, last }) => last < 0 || received.some((r) => r.partition === partition && r.offset === last));
  while (!reachedEnd()) {
    if (Date.now() > deadline) throw new Error(`the consumer did not reach the end of ${topic}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function byPartition(received: Received[]): Map<number, Received[]> {
  const map = new Map<number, Received[]>();
  for (const r of received) map.set(r.partition, [...(map.get(r.partition) ?? []), r]);
  return map;
}

describe('test Kafka broker with kafkajs', () => {
  it('creates a topic with 3 partitions, each with a leader', async () => {
    const topic = `broker-test-topic-${run}`;
    const metadata = await createTopic(topic, 3);
    expect(metadata.name).toBe(topic);
    expect(metadata.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    for (const p of metadata.partitions) expect(p.leader).toBeGreaterThanOrEqual(0);
    expect(await admin.listTopics()).toContain(topic);
  }, 30_000);

  it('delivers keyed messages in per-partition order and resumes a group from its committed offsets', async () => {
    const topic = `broker-test-group-${run}`;
    const groupId = `broker-test-group-${run}`;
    await createTopic(topic, 3);

    const first = messages(0, 30);
    await produce(topic, first);

    // First consumer reads everything, then commits only the first half of each partition.
    const committed = new Map<number, number>();
    const got = await consume(topic, groupId, first.length, async (consumer, received) => {
      const commits = [...byPartition(received)].map(([partition, rs]) => {
        committed.set(partition, Math.floor(rs.length / 2));
        return { topic, partition, offset: String(committed.get(partition)) };
      });
      await consumer.commitOffsets(commits);
    });

    expect(got).toHaveLength(first.length); // exactly once: no duplicates from the idempotent producer
    expect(got.map(({ key, value, trace }) => ({ key, value, trace })).sort(bySeq)).toEqual(first);
    const partitions = byPartition(got);
    expect(partitions.size).toBeGreaterThan(1); // 7 keys over 3 partitions
    for (const rs of partitions.values()) {
      expect(rs.map((r) => r.offset)).toEqual(rs.map((_, i) => i)); // offsets 0..n-1, in order
      expect(rs.map((r) => r.value)).toEqual(first.filter((m) => rs.some((r) => r.value === m.value)).map((m) => m.value));
    }
    for (const key of new Set(first.map((m) => m.key))) {
      expect(new Set(got.filter((r) => r.key === key).map((r) => r.partition)).size).toBe(1); // a key sticks to one partition
    }

    const high = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
    for (const [partition, rs] of partitions) expect(high.get(partition)).toBe(rs.length);
    expect(await fetchCommitted(groupId, topic)).toEqual(
      new Map([0, 1, 2].map((p) => [p, committed.has(p) ? committed.get(p)! : -1])),
    );

    // Second consumer in the same group starts at the committed offsets: the uncommitted halves, then new messages.
    const second = messages(first.length, 12);
    await produce(topic, second);
    const uncommitted = [...partitions.values()].flatMap((rs) => rs.slice(committed.get(rs[0]!.partition)!));
    const resumed = await consume(topic, groupId, uncommitted.length + second.length, async (consumer, received) => {
      await consumer.commitOffsets([...byPartition(received)].map(([partition, rs]) => ({
        topic, partition, offset: String(rs.at(-1)!.offset + 1),
      })));
    });

    expect(resumed).toHaveLength(uncommitted.length + second.length);
    for (const [partition, rs] of byPartition(resumed)) {
      const start = committed.get(partition) ?? 0;
      expect(rs.map((r) => r.offset)).toEqual(rs.map((_, i) => start + i)); // nothing before the commit re-read
    }
    expect(resumed.map(({ key, value, trace }) => ({ key, value, trace })).sort(bySeq)).toEqual(
      [...uncommitted.map(({ key, value, trace }) => ({ key, value, trace })), ...second].sort(bySeq),
    );

    const finalHigh = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
    const finalCommitted = await fetchCommitted(groupId, topic);
    for (const [partition, offset] of finalHigh) {
      expect(finalCommitted.get(partition)).toBe(offset > 0 ? offset : -1);
    }
  }, 120_000);
});

function bySeq(a: { value: string }, b: { value: string }): number {
  return JSON.parse(a.value).seq - JSON.parse(b.value).seq;
}

async function fetchCommitted(groupId: string, topic: string): Promise<Map<number, number>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map(offsets!.partitions.map((p) => [p.partition, Number(p.offset)]));
}
