import { describe, expect, it } from '@jest/globals';
import { registerCleanup, withTestTimeout } from '../src/contract-options.js';
import type { TestApi } from '../src/index.js';

/** A runner that records what the suites register instead of running it. */
function recordingRunner() {
  const tests: { name: string; timeout: number | undefined }[] = [];
  const afterAlls: { body: () => unknown; timeout: number | undefined }[] = [];
  const noop = () => undefined;
  const it = Object.assign((name: string, _body: unknown, timeout?: number) => void tests.push({ name, timeout }), { skip: noop });
  const runner: TestApi = {
    describe: Object.assign((_name: string, body: () => void) => body(), { skip: noop }),
    it,
    expect: noop,
    beforeAll: noop,
    afterAll: (body, timeout) => void afterAlls.push({ body, timeout }),
    beforeEach: noop,
    afterEach: noop,
  };
  return { runner, tests, afterAlls };
}

describe('withTestTimeout', () => {
  it('gives every test the suite timeout unless the test sets its own', () => {
    const { runner, tests } = recordingRunner();
    const api = withTestTimeout(runner, 90_000);
    api.it('plain', () => undefined);
    api.it('slow', () => undefined, 120_000);
    expect(tests).toEqual([{ name: 'plain', timeout: 90_000 }, { name: 'slow', timeout: 120_000 }]);
    expect(api.it.skip).toBe(runner.it.skip);
  });

  it('hands the runner back untouched without a timeout', () => {
    const { runner } = recordingRunner();
    expect(withTestTimeout(runner, undefined)).toBe(runner);
  });
});

describe('registerCleanup', () => {
  it('runs cleanup once after the suite, with the test timeout', async () => {
    const { runner, afterAlls } = recordingRunner();
    let cleaned = 0;
    registerCleanup(runner, { cleanup: async () => void cleaned++, timeouts: { testMs: 5000 } });
    registerCleanup(runner, {});
    expect(afterAlls).toHaveLength(1);
    expect(afterAlls[0]!.timeout).toBe(5000);
    await afterAlls[0]!.body();
    expect(cleaned).toBe(1);
  });
});
