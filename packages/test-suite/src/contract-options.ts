import type { TestApi } from './runner.js';

/** Time limits of a contract suite; slow backends raise them. Every field is optional. */
export interface ContractTimeouts {
  /** Per-test timeout handed to the runner's `it` (default: the runner's own, 5 s in Jest). */
  testMs?: number;
  /**
   * Longest wait for something that happens in the background: an expiry, a delivered message, an
   * event (default 10 000 ms for cachers and repos, 20 000 ms for listeners).
   */
  waitMs?: number;
  /** Per-test timeout of the heavy tests, such as hundreds of concurrent writes (default 60 000 ms). */
  slowTestMs?: number;
}

/**
 * What every contract suite takes: `cacherContract`, `repoContract` and `listenerContract` are
 * each called as `(runner, { title, create, capabilities, timeouts, cleanup })`.
 * @typeParam Create - builds one instance under test from the per-test options the suite picks
 * (a namespace, a repo name, a channel's partition count).
 * @typeParam Capabilities - what the adapter declares it supports; each switches a group of tests on.
 */
export interface ContractOptions<Create, Capabilities> {
  /** Names the adapter in the suite's title, e.g. `'redis'`. */
  title: string;
  /** Builds one instance under test; called many times. The suite closes what it built. */
  create: Create;
  /** Optional groups this adapter supports (default: none). */
  capabilities?: Capabilities;
  timeouts?: ContractTimeouts;
  /** Runs once after the suite: delete topics, drop keys outside the suite's reach, close admin clients. */
  cleanup?(): Promise<void>;
}

/** The runner with `it` given the suite's default per-test timeout wherever a test sets none. */
export function withTestTimeout(runner: TestApi, testMs: number | undefined): TestApi {
  if (testMs === undefined) return runner;
  const it = Object.assign(
    (name: string, body: Parameters<TestApi['it']>[1], timeout?: number) => runner.it(name, body, timeout ?? testMs),
    { skip: runner.it.skip },
  );
  return { ...runner, it };
}

/** Registers `options.cleanup` to run after the whole suite. */
export function registerCleanup(runner: TestApi, options: { cleanup?(): Promise<void>; timeouts?: ContractTimeouts }): void {
  const { cleanup } = options;
  if (cleanup) runner.afterAll(() => cleanup(), options.timeouts?.testMs);
}
