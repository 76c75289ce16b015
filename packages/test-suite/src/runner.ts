/**
 * The slice of a test runner the suites need. Jest, Vitest, node:test wrappers and Mocha+chai
 * adapters all fit; the suites never import a runner themselves.
 */
export interface TestApi {
  describe: SuiteFn & { skip: SuiteFn };
  it: TestFn & { skip?: TestFn };
  expect: ExpectFn;
  beforeAll: HookFn;
  afterAll: HookFn;
  beforeEach: HookFn;
  afterEach: HookFn;
}

export type SuiteFn = (name: string, body: () => void) => void;
// Bodies are typed loosely: each runner declares its own callback union (done-callbacks, promises).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TestFn = (name: string, body: (...args: any[]) => any, timeout?: number) => void;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HookFn = (body: (...args: any[]) => any, timeout?: number) => void;
// The suites use a Jest-compatible `expect` (Vitest's is one); typed loosely so any runner fits.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ExpectFn = (actual: unknown) => any;
