import { registerCleanup, withTestTimeout } from '../contract-options.js';
import type { TestApi } from '../runner.js';
import { listenerSuiteContext } from './context.js';
import { deliveryGroup } from './delivery.js';
import { failuresGroup } from './failures.js';
import type { ListenerContractOptions } from './fixtures.js';
import { groupsGroup } from './groups.js';
import { lifecycleGroup } from './lifecycle.js';
import { patternsGroup } from './patterns.js';
import { publishGroup } from './publish.js';

/**
 * The Listener contract: every channel adapter (memory, Kafka, ...) must pass it unchanged. Each
 * test gets a fresh channel from `create({ partitions })`; what it builds is closed after the test.
 * @example
 * listenerContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
 *   title: 'memory',
 *   create: async ({ partitions }) => memoryChannel(partitions),
 *   timeouts: { waitMs: 5000 },
 * });
 */
export function listenerContract(runner: TestApi, options: ListenerContractOptions): void {
  const testMs = options.timeouts?.testMs ?? 30_000;
  const api = withTestTimeout(runner, testMs);
  const open: { close(): Promise<void> }[] = [];
  const ctx = listenerSuiteContext(api, options.create, options.timeouts?.waitMs ?? 20_000, open);

  api.describe(`listener contract: ${options.title}`, () => {
    api.afterEach(async () => {
      const toClose = open.splice(0);
      await Promise.all(toClose.map((r) => r.close().catch(() => undefined)));
    }, testMs);
    registerCleanup(api, { ...options, timeouts: { ...options.timeouts, testMs } });
    deliveryGroup(ctx);
    failuresGroup(ctx);
    lifecycleGroup(ctx);
    groupsGroup(ctx, options.capabilities?.partitions ?? true);
    publishGroup(ctx);
    if (options.capabilities?.patterns !== undefined) patternsGroup(ctx, options.capabilities.patterns);
  });
}
