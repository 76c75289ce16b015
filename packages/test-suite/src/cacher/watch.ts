import { type CacherChange, type CacherEvents, MotifsErrorUnavailable, MotifsErrorValidation, type ICacher } from '@motifs/core';
import { eventually, settle } from '../async.js';
import { uniqueNamespace } from '../services.js';
import type { CacherSuiteContext } from './context.js';

/** Collects the changes a watch hears, as `type:key`. */
function recorder(): { seen: string[]; handler: (change: CacherChange) => void } {
  const seen: string[] = [];
  return { seen, handler: ({ type, key }) => void seen.push(`${type}:${key}`) };
}

/** `watch(pattern, handler)`: set / delete / expire of this namespace's keys, from any cacher of it. */
export function watchGroup({ api, open, capabilities, waitMs }: CacherSuiteContext): void {
  const { describe, it, expect } = api;

  describe('watch', () => {
    it('refuses a bad pattern or handler before anything is opened', async () => {
      const cacher = await open();
      const bad: unknown[] = ['', 5, null, [], {}, { prefix: 5 }, '[é-z]*'];
      for (const pattern of bad) {
        await expect(cacher.watch(pattern as string, () => undefined)).rejects.toBeInstanceOf(MotifsErrorValidation);
      }
      await expect(cacher.watch('*', 'nope' as unknown as () => void)).rejects.toBeInstanceOf(MotifsErrorValidation);
    });

    // Adapters that cannot report changes (Redis without keyspace notifications) refuse with a typed error.
    if (!capabilities.watch) {
      it('without the watch capability, watch rejects with MotifsErrorUnavailable naming the reason', async () => {
        const cacher = await open();
        const error = await cacher.watch('*', () => undefined).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MotifsErrorUnavailable);
        expect(typeof (error as MotifsErrorUnavailable).details.reason).toBe('string');
      });
      return;
    }

    it('reports set, delete and expire of matching keys, with the caller\'s key', async () => {
      const cacher = await open();
      const { seen, handler } = recorder();
      const watch = await cacher.watch('users/*', handler);
      await cacher.setItem('users/1', 1, 60_000);
      await cacher.setItem('other', 1, 60_000);
      await cacher.delItem('users/1');
      await cacher.setItem('users/2', 2, 20);
      await eventually(async () => !(await cacher.hasItem('users/2')), { what: 'users/2 expires', timeoutMs: waitMs });
      await eventually(() => seen.length >= 4, { what: 'four changes', timeoutMs: waitMs });
      await settle();
      expect(seen).toEqual(['set:users/1', 'delete:users/1', 'set:users/2', 'expire:users/2']);
      await watch.close();
    });

    it('{ prefix } matches glob characters literally; a glob is matched as getKeys matches it', async () => {
      const cacher = await open();
      const literal = recorder();
      const glob = recorder();
      await cacher.watch({ prefix: 'a*' }, literal.handler);
      await cacher.watch('a?[0-9]', glob.handler);
      for (const key of ['a*1', 'ab', 'ab7', 'a*x']) await cacher.setItem(key, 1, 60_000);
      await cacher.delItemsLike('a*');
      await eventually(() => literal.seen.length >= 4 && glob.seen.length >= 3, { what: 'the changes', timeoutMs: waitMs });
      await settle();
      expect(literal.seen.sort()).toEqual(['delete:a*1', 'delete:a*x', 'set:a*1', 'set:a*x']);
      expect(glob.seen).toEqual(['set:a*1', 'set:ab7', 'delete:a*1']);
    });

    it('hears writes of another cacher of the same namespace, never another namespace\'s', async () => {
      const namespace = uniqueNamespace('watch');
      const watcher = await open(namespace);
      const writer = await open(namespace);
      const stranger = await open();
      const { seen, handler } = recorder();
      await watcher.watch('*', handler);
      await stranger.setItem('k', 'theirs', 60_000);
      await writer.setItem('k', 'ours', 60_000);
      await writer.getOrSet('loaded', () => 1, { expiryMs: 60_000 });
      await writer.setItems({ b1: 1, b2: 2 }, 60_000);
      await writer.delItems(['b1']);
      await eventually(() => seen.length >= 5, { what: 'five changes', timeoutMs: waitMs });
      await settle();
      expect(seen.sort()).toEqual(['delete:b1', 'set:b1', 'set:b2', 'set:k', 'set:loaded']);
    });

    it('close() stops one watch; closing the cacher ends them all', async () => {
      const namespace = uniqueNamespace('watch');
      const cacher = await open(namespace);
      const writer = await open(namespace);
      const first = recorder();
      const second = recorder();
      const watch = await cacher.watch('*', first.handler);
      await cacher.watch('*', second.handler);
      await watch.close();
      await watch.close();
      await writer.setItem('a', 1, 60_000);
      await eventually(() => second.seen.length === 1, { what: 'the second watch hears a', timeoutMs: waitMs });
      await cacher.close();
      // A watch opened after the close hears the next write: by then a live watch would have too.
      const probe = recorder();
      await writer.watch('b', probe.handler);
      await writer.setItem('b', 1, 60_000);
      await eventually(() => probe.seen.length === 1, { what: 'the probe hears b', timeoutMs: waitMs });
      await settle();
      expect(first.seen).toEqual([]);
      expect(second.seen).toEqual(['set:a']);
      await expect(cacher.watch('*', () => undefined)).rejects.toBeInstanceOf(MotifsErrorUnavailable);
    });

    it('a handler that throws or rejects reaches em `error` with the key; the watch goes on', async () => {
      const cacher = await open();
      const errors: CacherEvents['error'][] = [];
      cacher.em.on('error', (event) => {
        errors.push(event);
      });
      const boom = new Error('handler bug');
      const { seen, handler } = recorder();
      await cacher.watch('t*', () => {
        throw boom;
      });
      await cacher.watch('r*', async () => Promise.reject(boom));
      await cacher.watch('*', handler);
      await cacher.setItem('t1', 1, 60_000);
      await cacher.setItem('r1', 1, 60_000);
      await eventually(() => errors.length === 2 && seen.length === 2, { what: 'two errors, two changes', timeoutMs: waitMs });
      expect(errors.map((e) => e.key).sort()).toEqual(['r1', 't1']);
      for (const event of errors) expect(event.error).toBe(boom);
    });

    it('watches opened on one cacher share its feed and each gets every match (`await using` closes one)', async () => {
      const cacher: ICacher = await open();
      const a = recorder();
      const b = recorder();
      {
        await using _watch = await cacher.watch('*', a.handler);
        await cacher.watch('*', b.handler);
        await cacher.setItem('x', 1, 60_000);
        await eventually(() => a.seen.length === 1 && b.seen.length === 1, { what: 'both hear x', timeoutMs: waitMs });
      }
      await cacher.setItem('y', 1, 60_000);
      await eventually(() => b.seen.length === 2, { what: 'b hears y', timeoutMs: waitMs });
      await settle();
      expect(a.seen).toEqual(['set:x']);
    });
  });
}
