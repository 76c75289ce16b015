// The whole contract again, on a private redis-server with keyspace notifications on (`KEA`), so
// the `expire` event group and the `watch` group run too (the shared Redis is not reconfigured).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { cacherContract, describeWithService } from '@motifs/test-suite';
import { createCacher } from '../src/index.js';
import { freePort, startRedis, stopRedis } from '../../../tools/jest/own-redis.js';

describeWithService({ describe, it }, 'redis', 'redis cacher with expiryEvents', () => {
  let server: ChildProcess;
  let url = '';
  beforeAll(async () => {
    const port = await freePort();
    server = await startRedis(port, ['--notify-keyspace-events', 'KEA']);
    url = `redis://127.0.0.1:${port}`;
  }, 30_000);
  afterAll(async () => {
    await stopRedis(server);
  });

  cacherContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
    title: 'redis with expiryEvents',
    create: ({ namespace }) => createCacher({ kind: 'redis', namespace, redis: { url, expiryEvents: true } }),
    capabilities: { expireEvents: true, watch: true },
  });
});
