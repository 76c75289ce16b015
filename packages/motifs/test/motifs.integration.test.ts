import { afterAll, describe, expect, it } from '@jest/globals';
import { describeWithService, kafkaBrokers, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { makeCacher, makeListener, makePublisher, makeRepo, type IBaseDto } from '../src/index.js';
import { deleteTopics, purgeNamespace } from '../../../tools/jest/cleanup.js';

const api = { describe, it };

describeWithService(api, 'redis', 'motifs (umbrella) on Redis', () => {
  const ns = uniqueNamespace('motifs-umbrella');
  const closers: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(closers.map((m) => m.close()));
    await purgeNamespace(redisUrl(), ns);
  });

  it('builds the redis cacher and repo from the umbrella alone', async () => {
    const cacher = await makeCacher({ kind: 'redis', namespace: ns, redis: { url: redisUrl() } });
    const repo = await makeRepo<IBaseDto & { name: string }>({ kind: 'redis', name: 'things', namespace: ns, redis: { url: redisUrl() } });
    closers.push(cacher, repo);
    await cacher.setItem('k', { n: 1 }, 60_000);
    await expect(cacher.getItem('k')).resolves.toEqual({ n: 1 });
    await expect(cacher.delItem('k')).resolves.toBe(true);
    const thing = await repo.create({ name: 'one' });
    await expect(repo.retrieve(thing.id)).resolves.toEqual(thing);
    await expect(repo.delete_(thing.id)).resolves.toBe(true);
  });
});

describeWithService(api, 'kafka', 'motifs (umbrella) on Kafka', () => {
  it('builds a kafka listener and publisher from the umbrella alone', async () => {
    const topic = uniqueNamespace('motifs-umbrella');
    const kafka = { brokers: kafkaBrokers(), groupId: `${topic}-group` };
    const listener = await makeListener<{ n: number }>({ kind: 'kafka', channelId: topic, kafka });
    const publisher = await makePublisher<{ n: number }>({ kind: 'kafka', channelId: topic, kafka });
    try {
      const received = new Promise<{ n: number }>((resolve) => listener.onMessage(async (msg) => resolve(msg)));
      listener.onError(async () => undefined);
      // listen() itself waits out the moment a just auto-created topic is not yet known.
      await listener.listen();
      await publisher.publish({ n: 7 });
      await expect(received).resolves.toEqual({ n: 7 });
    } finally {
      await Promise.all([listener.close(), publisher.close()]);
      await deleteTopics(kafkaBrokers(), [topic]);
    }
  }, 90_000);
});
