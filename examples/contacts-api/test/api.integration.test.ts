import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { describeWithService, kafkaBrokers, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { DEFAULT_CONFIG, startServer, type IAlienContactCreated, type RunningServer } from '../src/index.js';
import { collector, http, recordingLogger } from './http.js';
import { apiScenarios } from './scenarios.js';

const api = { describe, it } as const;

// Kafka group joins and topic creation are slow on a busy 2-core machine: generous timeouts.
const TIMEOUT = 90_000;

describeWithService(api, 'redis', 'contacts-api on Redis', () => {
  describeWithService(api, 'kafka', 'contacts-api over HTTP on Redis + Kafka', () => {
    let server: RunningServer;
    const messages = collector<IAlienContactCreated>();
    const ns = uniqueNamespace('contacts-api');
    const created = new Set<string>();

    beforeAll(async () => {
      server = await startServer(
        {
          ...DEFAULT_CONFIG,
          backend: 'redis',
          port: 0,
          redisUrl: redisUrl(),
          kafkaBrokers: kafkaBrokers(),
          namespace: ns,
          channelId: `${ns}-mars`,
          groupId: `${ns}-group`,
        },
        { logger: recordingLogger(), onAlienContact: messages.push },
      );
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
    }, TIMEOUT);

    apiScenarios(() => ({ url: server.url, nextMessage: messages.next, lastName: `Lovelace-${ns}` }), TIMEOUT);

    it('keeps the cached copy in Redis, where another instance of the API would find it', async () => {
      const { body } = await http(server.url, 'POST', '/contacts', { firstName: 'Grace', lastName: `Hopper-${ns}`, dob: '1906-12-09' });
      await http(server.url, 'GET', `/contacts/${body.data.id}`);
      await expect(server.motifs.cacher.getItem(`contacts/${body.data.id}`)).resolves.toEqual(body.data);
    }, TIMEOUT);
  });
});
