import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { describeWithService, kafkaBrokers, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { makeCacher, makeListener, type RepoChange } from 'motifs';
import {
  DEFAULT_CONFIG,
  openContactsMotifs,
  startServer,
  type ContactsApiConfig,
  type IAlienContactCreated,
  type IContact,
  type RunningServer,
} from '../src/index.js';
import { collector, http, recordingLogger } from './http.js';
import { deleteTopics, purgeNamespace } from '../../../tools/jest/cleanup.js';
import { apiScenarios } from './scenarios.js';

const api = { describe, it };

// Kafka group joins and topic creation are slow on a busy 2-core machine: generous timeouts.
const TIMEOUT = 90_000;
// Nothing listens on port 1: connections are refused at once, like a Redis that is down.
const DEAD_REDIS = 'redis://127.0.0.1:1';

function redisConfig(ns: string): ContactsApiConfig {
  return {
    ...DEFAULT_CONFIG,
    backend: 'redis',
    port: 0,
    redisUrl: redisUrl(),
    kafkaBrokers: kafkaBrokers(),
    namespace: ns,
    channelId: `${ns}-mars`,
    groupId: `${ns}-group`,
  };
}

describeWithService(api, 'redis', 'contacts-api on Redis alone (MOTIFS_CHANNEL=redis)', () => {
  let server: RunningServer;
  const messages = collector<IAlienContactCreated>();
  const ns = uniqueNamespace('contacts-api');
  const created = new Set<string>();
  const config = (): ContactsApiConfig => ({ ...redisConfig(ns), channel: 'redis', kafkaBrokers: ['127.0.0.1:1'] });

  beforeAll(async () => {
    // No Kafka anywhere: its brokers point at a closed port, and nothing may try them.
    server = await startServer(config(), { logger: recordingLogger(), onAlienContact: messages.push });
    server.motifs.repo.em.on('contacts.create.after', ({ dto }: { dto: { id: string } }) => {
      created.add(dto.id);
    });
  }, TIMEOUT);

  afterAll(async () => {
    if (!server) return;
    for (const id of created) await server.motifs.repo.delete_(id).catch(() => false);
    await server.motifs.cacher.delItemsLike('contacts/');
    await server.close();
    await purgeNamespace(redisUrl(), ns);
  }, TIMEOUT);

  apiScenarios(() => ({ url: server.url, nextMessage: messages.next, lastName: `Lovelace-${ns}` }), TIMEOUT);

  it('announces creates through the repo change feed, not a create.after -> publish hop', async () => {
    // The only create.after listener is this suite's own bookkeeping: the app wired none.
    expect(server.motifs.repo.em.listenerCount('contacts.create.after')).toBe(1);
    expect(server.motifs.changes?.channelId).toBe('contacts.changes');
    // With the `mars` publisher closed, a create is still announced: the feed needs no publisher.
    await server.motifs.publisher.close();
    const { body } = await http(server.url, 'POST', '/contacts', { firstName: 'Grace', lastName: `Hopper-${ns}`, dob: '1906-12-09' });
    await expect(messages.next((m) => m.id === body.data.id)).resolves.toEqual({ id: body.data.id, planet: 'earth' });
  }, TIMEOUT);

  it('puts every committed write on the change feed, in order, with versions (a second consumer group sees them all)', async () => {
    const audit = await makeListener<RepoChange<IContact>>({
      kind: 'redis',
      channelId: 'contacts.changes',
      redis: { url: redisUrl(), namespace: ns, groupId: `${ns}-audit` },
    });
    const seen = collector<RepoChange<IContact>>();
    audit.onMessage(async (change) => seen.push(change));
    try {
      await audit.listen();
      const { body } = await http(server.url, 'POST', '/contacts', { firstName: 'Ada', lastName: `Audit-${ns}`, dob: '1815-12-10' });
      const id: string = body.data.id;
      expect((await http(server.url, 'PATCH', `/contacts/${id}`, { firstName: 'Augusta' })).status).toBe(200);
      expect((await http(server.url, 'DELETE', `/contacts/${id}`)).status).toBe(204);
      const create = await seen.next((c) => c.id === id && c.op === 'create');
      const update = await seen.next((c) => c.id === id && c.op === 'update');
      const removed = await seen.next((c) => c.id === id && c.op === 'delete');
      expect([create.version, update.version, removed.version]).toEqual([1, 2, 3]);
      expect(create.dto).toEqual(body.data);
      expect(update.previous).toEqual(body.data);
      expect(update.dto.firstName).toBe('Augusta');
      expect(removed.dto.firstName).toBe('Augusta');
    } finally {
      await audit.close();
    }
  }, TIMEOUT);
});

describeWithService(api, 'redis', 'contacts-api on Redis', () => {
  describeWithService(api, 'kafka', 'contacts-api over HTTP on Redis + Kafka', () => {
    let server: RunningServer;
    const messages = collector<IAlienContactCreated>();
    const ns = uniqueNamespace('contacts-api');
    const created = new Set<string>();

    beforeAll(async () => {
      server = await startServer(redisConfig(ns), { logger: recordingLogger(), onAlienContact: messages.push });
      server.motifs.repo.em.on('contacts.create.after', ({ dto }: { dto: { id: string } }) => {
        created.add(dto.id);
      });
    }, TIMEOUT);

    afterAll(async () => {
      if (!server) return;
      // Leave nothing behind in the shared Redis: every contact this run created, and its cache.
      for (const id of created) await server.motifs.repo.delete_(id);
      await server.motifs.cacher.delItemsLike('contacts/');
      await server.close();
      await purgeNamespace(redisUrl(), ns);
      await deleteTopics(kafkaBrokers(), [`${ns}-mars`]);
    }, TIMEOUT);

    apiScenarios(() => ({ url: server.url, nextMessage: messages.next, lastName: `Lovelace-${ns}` }), TIMEOUT);

    it('keeps the cached copy in Redis, where another instance of the API would find it', async () => {
      const { body } = await http(server.url, 'POST', '/contacts', { firstName: 'Grace', lastName: `Hopper-${ns}`, dob: '1906-12-09' });
      await http(server.url, 'GET', `/contacts/${body.data.id}`);
      await expect(server.motifs.cacher.getItem(`contacts/${body.data.id}`)).resolves.toEqual(body.data);
    }, TIMEOUT);
  });

  describeWithService(api, 'kafka', 'contacts-api when Redis fails', () => {
    const namespaces: string[] = [];
    afterAll(async () => {
      for (const ns of namespaces) await purgeNamespace(redisUrl(), ns);
      await deleteTopics(kafkaBrokers(), namespaces.map((ns) => `${ns}-mars`));
    });

    it('answers 503 without driver details when Redis is down, leaving nothing written', async () => {
      const ns = uniqueNamespace('contacts-api');
      namespaces.push(ns);
      const server = await startServer({ ...redisConfig(ns), redisUrl: DEAD_REDIS }, { logger: recordingLogger() });
      try {
        const post = await http(server.url, 'POST', '/contacts', { firstName: 'Ada', lastName: `Down-${ns}`, dob: '1815-12-10' });
        expect(post.status).toBe(503);
        expect(post.headers.get('retry-after')).toBe('5');
        expect(post.body).toEqual({ error: 'service unavailable, try again later', code: 'MOTIFS_UNAVAILABLE' });
        expect(post.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|ioredis/);
        expect((await http(server.url, 'GET', `/contacts?lastName=Down-${ns}`)).status).toBe(503);
        expect((await http(server.url, 'GET', '/contacts/00000000-0000-4000-8000-000000000000')).status).toBe(503);
      } finally {
        await server.close();
      }
      // The same namespace on the live Redis holds nothing from the failed request.
      const live = await openContactsMotifs(redisConfig(ns));
      try {
        await expect(live.repo.count({})).resolves.toBe(0);
      } finally {
        await Promise.all([live.listener.close(), live.publisher.close(), live.repo.close(), live.cacher.close()]);
      }
    }, TIMEOUT);

    it('refuses writes with 503 and changes nothing when only the cache is down, while reads still work', async () => {
      const ns = uniqueNamespace('contacts-api');
      namespaces.push(ns);
      const config = redisConfig(ns);
      const motifs = await openContactsMotifs(config);
      await motifs.cacher.close();
      motifs.cacher = await makeCacher({ kind: 'redis', namespace: ns, redis: { url: DEAD_REDIS } });
      const server = await startServer(config, { motifs, logger: recordingLogger() });
      const stored = await motifs.repo.create({ firstName: 'Ada', lastName: `Cacheless-${ns}`, dob: '1815-12-10' });
      try {
        const patch = await http(server.url, 'PATCH', `/contacts/${stored.id}`, { firstName: 'Augusta' });
        expect(patch.status).toBe(503);
        expect((await http(server.url, 'DELETE', `/contacts/${stored.id}`)).status).toBe(503);
        await expect(motifs.repo.retrieve(stored.id)).resolves.toEqual(stored);
        const read = await http(server.url, 'GET', `/contacts/${stored.id}`);
        expect(read.status).toBe(200);
        expect(read.headers.get('x-cache')).toBe('miss');
        expect(read.body.data).toEqual(stored);
      } finally {
        await motifs.repo.delete_(stored.id);
        await server.close();
      }
    }, TIMEOUT);
  });
});
