import type { ICacher } from '@motifs/core';
import type { TestApi } from '../runner.js';
import { uniqueNamespace } from '../services.js';
import { basicsGroup } from './basics.js';
import type { CacherCapabilities, CacherFactory, CacherSuiteContext } from './context.js';
import { edgeInputGroup } from './edge-input.js';
import { eventsGroup, getOrSetGroup } from './get-or-set.js';
import { listingGroup } from './listing.js';

export type { CacherCapabilities, CacherFactory } from './context.js';

/** The object form of {@link cacherContract}'s second argument. */
export interface CacherContractOptions {
  /** Builds the cacher under test; calls with different namespaces must share one backend. */
  create: CacherFactory;
  capabilities?: CacherCapabilities;
  /** Shown in the suite's title. */
  title?: string;
}

/**
 * The Cacher contract: what every cacher adapter must do, identically. An adapter's test file is a
 * few lines. Every cacher lives in its own `uniqueNamespace()` and is emptied and closed after each
 * test, so a shared Redis is never touched outside it.
 * @example
 * cacherContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach },
 *   ({ namespace }) => createCacher({ kind: 'memory', namespace, memory: { cache: shared } }), { expireEvents: true });
 * // or: cacherContract(api, { create: (options) => createCacher({ kind: 'mine', ...options }) });
 */
export function cacherContract(api: TestApi, factory: CacherFactory | CacherContractOptions, capabilities: CacherCapabilities = {}): void {
  const options: CacherContractOptions = typeof factory === 'function' ? { create: factory, capabilities } : factory;
  const opened: ICacher[] = [];
  const ctx: CacherSuiteContext = {
    api,
    make: options.create,
    capabilities: options.capabilities ?? {},
    async open(namespace = uniqueNamespace('cacher')) {
      const cacher = await options.create({ namespace });
      opened.push(cacher);
      return cacher;
    },
  };
  api.describe(options.title ? `cacher contract: ${options.title}` : 'cacher contract', () => {
    api.afterEach(async () => {
      for (const cacher of opened.splice(0)) {
        // A closed cacher refuses the cleanup; whatever it held expires on its own.
        await cacher.delItemsLike('').catch(() => undefined);
        await cacher.close();
      }
    });
    basicsGroup(ctx);
    listingGroup(ctx);
    getOrSetGroup(ctx);
    eventsGroup(ctx);
    edgeInputGroup(ctx);
  });
}
