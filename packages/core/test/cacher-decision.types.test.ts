// Type-level test of getOrSet with per-result decisions: the `typecheck` target compiles this file,
// so each `@ts-expect-error` fails the build if the typing it guards loosens. Jest runs it too.
import { describe, expect, it } from '@jest/globals';
import { cacheable, uncacheable, type ICacher } from '../src/index.js';

interface IUser {
  id: string;
  name: string;
}

declare function find(id: string): Promise<IUser | undefined>;

function typeChecks(cacher: ICacher): void {
  // A loader mixing decisions and plain values still resolves the value's type.
  const mixed: Promise<IUser | null> = cacher.getOrSet('users/1', async () => {
    const user = await find('1');
    return user ? cacheable(user, { expiryMs: 60_000 }) : uncacheable(null);
  }, { expiryMs: 1000 });
  const plain: Promise<IUser> = cacher.getOrSet('users/2', async () => ({ id: '2', name: 'Ada' }), { expiryMs: 1000 });
  const decided: Promise<IUser> = cacher.getOrSet('users/3', () => cacheable({ id: '3', name: 'Alan' }), { expiryMs: 1000 });
  // An object with `value` / `decision` properties is a plain value: T is the whole object.
  const lookAlike: Promise<{ decision: string; value: number }> = cacher.getOrSet('x', () => ({ decision: 'cacheable', value: 1 }), { expiryMs: 1000 });
  // @ts-expect-error the decision's value type is kept: an IUser is not a number
  const wrong: Promise<number> = cacher.getOrSet('users/4', () => uncacheable({ id: '4', name: 'Grace' }), { expiryMs: 1000 });
  void [mixed, plain, decided, lookAlike, wrong];
}

describe('getOrSet decision types', () => {
  it('compiles (the checks are in the typecheck target)', () => {
    expect(typeof typeChecks).toBe('function');
  });
});
