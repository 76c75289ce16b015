import { describe, expect, it } from '@jest/globals';
import { deferred, eventually, settle } from '../src/index.js';
import { asyncDispose } from '../src/dispose.js';

describe('eventually', () => {
  it('resolves once a sync or async check holds, checking again in between', async () => {
    let calls = 0;
    await eventually(() => ++calls >= 3, { intervalMs: 1 });
    expect(calls).toBe(3);
    let asyncCalls = 0;
    await eventually(async () => ++asyncCalls >= 2, { intervalMs: 1 });
    expect(asyncCalls).toBe(2);
  });

  it('rejects naming what it waited for once timeoutMs has passed', async () => {
    let calls = 0;
    const started = Date.now();
    const outcome = eventually(() => (calls++, false), { timeoutMs: 30, what: 'the flag', intervalMs: 5 });
    await expect(outcome).rejects.toThrow('not true within 30 ms: the flag');
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
    expect(calls).toBeGreaterThan(1);
  });

  it('passes on an error the check throws', async () => {
    const boom = new Error('check failed');
    await expect(eventually(() => { throw boom; })).rejects.toBe(boom);
  });
});

describe('deferred', () => {
  it('settles its promise from outside: resolve, or reject', async () => {
    const ok = deferred<number>();
    ok.resolve(7);
    expect(await ok.promise).toBe(7);
    const held = deferred();
    const boom = new Error('no');
    held.reject(boom);
    await expect(held.promise).rejects.toBe(boom);
  });
});

describe('settle', () => {
  it('lets queued immediates run, but waits for no timer', async () => {
    const ran: string[] = [];
    setImmediate(() => ran.push('immediate'));
    const timer = setTimeout(() => ran.push('timer'), 1000);
    await settle();
    clearTimeout(timer);
    expect(ran).toEqual(['immediate']);
  });
});

describe('asyncDispose', () => {
  it('calls [Symbol.asyncDispose]() and rejects for an object without one', async () => {
    let disposed = 0;
    await asyncDispose({ [Symbol.asyncDispose]: async () => void disposed++ });
    expect(disposed).toBe(1);
    await expect(asyncDispose({ close: async () => undefined })).rejects.toThrow('no [Symbol.asyncDispose]() method');
  });
});
