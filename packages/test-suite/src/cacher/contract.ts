import type { ICacher } from '@motifs/core';
import { registerCleanup, withTestTimeout } from '../contract-options.js';
import type { TestApi } from '../runner.js';
import { uniqueNamespace } from '../services.js';
import { abortGroup } from './abort.js';
import { basicsGroup } from './basics.js';
import { batchGroup } from './batch.js';
import type { CacherContractOptions, CacherSuiteContext } from './context.js';
import { decisionsGroup } from './decisions.js';
import { edgeInputGroup } from './edge-input.js';
import { entryGroup } from './entry.js';
import { eventsGroup } from './events.js';
import { getOrSetGroup } from './get-or-set.js';
import { ifAbsentGroup } from './if-absent.js';
import { listingGroup } from './listing.js';
import { watchGroup } from './watch.js';

export type { CacherCapabilities, CacherContractOptions, CacherFactory } from './context.js';

/**
 * The Cacher contract: what every cacher adapter must do, identically. An adapter's test file is a
 * few lines. Every cacher lives in its own `uniqueNamespace()` and is emptied and closed after each
 * test, so a shared Redis is never touched outside it.
 * @example
 * cacherContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
 *   title: 'memory',
 *   create: ({ namespace }) => createCacher({ kind: 'memory', namespace }),
 *   capabilities: { expireEvents: true, watch: true },
 * });
 */
export function cacherContract(runner: TestApi, options: CacherContractOptions): void {
  const api = withTestTimeout(runner, options.timeouts?.testMs);
  const opened: ICacher[] = [];
  const ctx: CacherSuiteContext = {
    api,
    make: options.create,
    capabilities: options.capabilities ?? {},
    waitMs: options.timeouts?.waitMs ?? 10_000,
    async open(namespace = uniqueNamespace('cacher')) {
      const cacher = await options.create({ namespace });
      opened.push(cacher);
      return cacher;
    },
  };
  api.describe(`cacher contract: ${options.title}`, () => {
    api.afterEach(async () => {
      for (const cacher of opened.splice(0)) {
        // A closed cacher refuses the cleanup; whatever it held expires on its own.
        await cacher.delItemsLike('').catch(() => undefined);
        await cacher.close();
      }
    });
    registerCleanup(api, options);
    basicsGroup(ctx);
    listingGroup(ctx);
    getOrSetGroup(ctx);
    abortGroup(ctx);
    eventsGroup(ctx);
    edgeInputGroup(ctx);
    batchGroup(ctx);
    ifAbsentGroup(ctx);
    decisionsGroup(ctx);
    entryGroup(ctx);
    watchGroup(ctx);
  });
}
