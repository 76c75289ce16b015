// Proves the services tools/services started are real: a SET/GET on Redis and a produce/consume
// through the Kafka broker, over real connections.
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { describeWithService, kafkaBrokers, redisUrl, uniqueNamespace } from '../src/index.js';

const api = { describe, it };

describeWithService(api, 'redis', 'real Redis', () => {
  const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  const ns = uniqueNamespace();
  afterAll(async () => {
    await redis.del(`${ns}:hello`);
    await redis.quit();
  });

  it('does SET and GET against the server', async () => {
    await redis.connect();
    await expect(redis.set(`${ns}:hello`, 'world', 'PX', 60_000)).resolves.toBe('OK');
    await expect(redis.get(`${ns}:hello`)).resolves.toBe('world');
    console.log(`redis: SET/GET ${ns}:hello on ${redisUrl()} ok`);
  });
});

describeWithService(api, 'kafka', 'real Kafka broker', () => {
  const kafka = new Kafka({ clientId: 'motifs-smoke', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const topic = uniqueNamespace('motifs-smoke');
  const admin = kafka.admin();
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `${topic}-group` });

  afterAll(async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('produces a message and consumes it back', async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) });
    });
    const body = JSON.stringify({ planet: 'mars', at: Date.now() });
    await producer.send({ topic, messages: [{ key: 'k', value: body }] });
    await expect(received).resolves.toBe(body);
    console.log(`kafka: produced and consumed 1 message on ${topic} via ${kafkaBrokers().join(',')}`);
  }, 60_000);
});
