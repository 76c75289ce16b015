import { registerCleanup, withTestTimeout } from '../contract-options.js';
import type { TestApi } from '../runner.js';
import { basicsGroup } from './basics.js';
import { failuresGroup } from './failures.js';
import { type RequestReplyContractOptions, requestReplySuiteContext } from './fixtures.js';

/**
 * The request/reply contract: every channel kind (memory, Redis, Kafka, ...) must pass it
 * unchanged. Each test gets a fresh request channel from `create({ partitions })`; every requester
 * and responder it builds is closed after the test.
 * @example
 * requestReplyContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
 *   title: 'memory',
 *   create: async ({ partitions }) => memoryRequestChannel(partitions),
 *   timeouts: { waitMs: 5000 },
 * });
 */
export function requestReplyContract(runner: TestApi, options: RequestReplyContractOptions): void {
  const testMs = options.timeouts?.testMs ?? 30_000;
  const api = withTestTimeout(runner, testMs);
  const open: { close(): Promise<void> }[] = [];
  const ctx = requestReplySuiteContext(api, options, open);

  api.describe(`request/reply contract: ${options.title}`, () => {
    api.afterEach(async () => {
      const toClose = open.splice(0);
      await Promise.all(toClose.map((r) => r.close().catch(() => undefined)));
    }, testMs);
    registerCleanup(api, { ...options, timeouts: { testMs } });
    basicsGroup(ctx);
    failuresGroup(ctx);
  });
}
