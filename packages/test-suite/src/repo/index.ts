import { registerCleanup, withTestTimeout } from '../contract-options.js';
import type { TestApi } from '../runner.js';
import { concurrencyContract } from './concurrency.js';
import { crudContract } from './crud.js';
import { edgeInputContract } from './edge-input.js';
import { eventsContract } from './events.js';
import { useRepos } from './fixtures.js';
import { outcomesContract } from './outcomes.js';
import { queryContract } from './query.js';
import type { RepoContractOptions } from './types.js';
import { validationContract } from './validation.js';
import { changesContract } from './changes.js';
import { withCacheContract } from './with-cache.js';

export type { ChannelMessage, RepoCapabilities, RepoChangesCapability, RepoContractOptions, RepoFactory, RepoFactoryOptions } from './types.js';

/**
 * The Repo contract: every adapter passes it unchanged. Records are created under a fresh
 * namespace and deleted after each test. Groups that need a capability (`changes`) run only when
 * the adapter declares it.
 * @example
 * repoContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
 *   title: 'memory',
 *   create: (options) => createRepo({ kind: 'memory', ...options }),
 * });
 */
export function repoContract(runner: TestApi, options: RepoContractOptions): void {
  const api = withTestTimeout(runner, options.timeouts?.testMs);
  api.describe(`repo contract: ${options.title}`, () => {
    registerCleanup(api, options);
    const { make, namespace } = useRepos(api, options);
    crudContract(api, make, namespace);
    validationContract(api, make);
    edgeInputContract(api, make);
    queryContract(api, make);
    outcomesContract(api, make);
    eventsContract(api, make);
    concurrencyContract(api, make, options.timeouts?.slowTestMs ?? 60_000);
    withCacheContract(api, make);
    if (options.capabilities?.changes) changesContract(api, make, namespace, options.capabilities.changes, options.timeouts?.slowTestMs ?? 60_000);
  });
}
