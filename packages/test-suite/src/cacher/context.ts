import type { ICacher } from '@motifs/core';
import type { ContractOptions } from '../contract-options.js';
import type { TestApi } from '../runner.js';

/** Builds the cacher under test. Calls with different namespaces must share one backend. */
export type CacherFactory = (options: { namespace: string }) => Promise<ICacher>;

/** What a cacher adapter declares it can do; each capability switches a group of tests on. */
export interface CacherCapabilities {
  /** The adapter emits `expire` by itself when a key's time is up (memory: yes; redis: opt-in). */
  expireEvents?: boolean;
  /**
   * `watch` reports changes (memory: yes; redis: on a server with `notify-keyspace-events` on). Without
   * it the contract checks that `watch` rejects with a typed `MotifsErrorUnavailable` instead.
   */
  watch?: boolean;
}

/**
 * How an adapter hands itself to `cacherContract`.
 * @example
 * { title: 'memory', create: ({ namespace }) => createCacher({ kind: 'memory', namespace }), capabilities: { expireEvents: true } }
 */
export type CacherContractOptions = ContractOptions<CacherFactory, CacherCapabilities>;

/** What every group of the cacher contract receives. */
export interface CacherSuiteContext {
  api: TestApi;
  /** A fresh cacher in its own namespace, closed and emptied after each test. */
  open(namespace?: string): Promise<ICacher>;
  /** The factory as given, for tests that expect it to refuse options. */
  make: CacherFactory;
  capabilities: CacherCapabilities;
  /** How long to wait for a background effect (an expiry, an event). */
  waitMs: number;
}
