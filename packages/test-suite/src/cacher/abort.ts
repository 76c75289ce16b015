import { isMotifsError } from '@motifs/core';
import { deferred, eventually, settle } from '../async.js';
import type { CacherSuiteContext } from './context.js';

/** getOrSet with an `AbortSignal`: the caller stops waiting, the loader is never started for it. */
export function abortGroup({ api, open, waitMs }: CacherSuiteContext): void {
  const { describe, it, expect } = api;

  describe('getOrSet with an AbortSignal', () => {
    it('an already-aborted signal rejects with MOTIFS_ABORTED, never calls the loader and stores nothing', async () => {
      const cacher = await open();
      let calls = 0;
      const loader = (): string => {
        calls++;
        return 'loaded';
      };
      const reason = new Error('the user went away');
      const outcome = await cacher.getOrSet('k', loader, { expiryMs: 60_000, signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
      expect(isMotifsError(outcome, 'MOTIFS_ABORTED')).toBe(true);
      expect((outcome as Error).cause).toBe(reason);
      expect(calls).toBe(0);
      expect(await cacher.hasItem('k')).toBe(false);
    });

    it('an abort while the loader runs rejects that caller at once; a caller without the signal still gets the value', async () => {
      const cacher = await open();
      const held = deferred<string>();
      let calls = 0;
      let loaderSignal: AbortSignal | undefined;
      const loader = ({ signal }: { signal: AbortSignal }): Promise<string> => {
        calls++;
        loaderSignal = signal;
        return held.promise;
      };
      const controller = new AbortController();
      let aborted: unknown;
      let settled = false;
      const abortable = cacher.getOrSet('k', loader, { expiryMs: 60_000, signal: controller.signal }).then(
        (value) => {
          settled = true;
          return value;
        },
        (error: unknown) => {
          settled = true;
          aborted = error;
        },
      );
      const patient = cacher.getOrSet('k', loader, { expiryMs: 60_000 });
      // Both callers missed (a miss is counted as the caller joins the load) and the loader runs.
      await eventually(() => cacher.stats().misses === 2 && calls === 1, { what: 'both callers to wait for the loader', timeoutMs: waitMs });
      controller.abort();
      try {
        // The loader is still held: only the abort can settle this caller.
        await eventually(() => settled, { what: 'the aborted caller to reject', timeoutMs: waitMs });
      } finally {
        held.resolve('loaded');
      }
      await abortable;
      expect(isMotifsError(aborted, 'MOTIFS_ABORTED')).toBe(true);
      expect(await patient).toBe('loaded');
      expect(calls).toBe(1);
      // Another caller still waited, so the shared load was not aborted, and its value is cached.
      expect(loaderSignal?.aborted).toBe(false);
      expect(await cacher.getItem('k')).toBe('loaded');
    });

    it('when every waiting caller aborted, the loader\'s own signal fires and nothing it returns is cached', async () => {
      const cacher = await open();
      const held = deferred<string>();
      let loaderSignal: AbortSignal | undefined;
      const loader = ({ signal }: { signal: AbortSignal }): Promise<string> => {
        loaderSignal = signal;
        return held.promise;
      };
      const first = new AbortController();
      const second = new AbortController();
      const callers = [first, second].map((c) => cacher.getOrSet('k', loader, { expiryMs: 60_000, signal: c.signal }).catch((e: unknown) => e));
      await eventually(() => cacher.stats().misses === 2 && loaderSignal !== undefined, { what: 'both callers to wait for the loader', timeoutMs: waitMs });
      first.abort();
      await settle();
      expect(loaderSignal?.aborted).toBe(false);
      second.abort();
      for (const outcome of await Promise.all(callers)) expect(isMotifsError(outcome, 'MOTIFS_ABORTED')).toBe(true);
      expect(loaderSignal?.aborted).toBe(true);
      held.resolve('too late');
      await settle();
      // The aborted load's value is neither cached nor handed to the next caller.
      expect(await cacher.getOrSet('k', () => 'fresh', { expiryMs: 60_000 })).toBe('fresh');
      expect(await cacher.getItem('k')).toBe('fresh');
    });
  });
}
