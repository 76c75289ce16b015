import { isMotifsError, type MotifsError } from '@motifs/core';
import type { TestApi } from '../runner.js';
import type { MakeTestRepo } from './fixtures.js';

const caught = async (call: Promise<unknown>): Promise<MotifsError> => {
  const err = await call.then(() => undefined, (e: unknown) => e);
  if (!isMotifsError(err)) throw new Error(`expected a motifs error, got ${String(err)}`);
  return err;
};

const flags = (err: MotifsError): { code: string; retryable: boolean; outcomeUnknown: boolean } => ({
  code: err.code,
  retryable: err.retryable,
  outcomeUnknown: err.outcomeUnknown,
});

/**
 * What an error says about the call's effect: `outcomeUnknown` is false whenever the repo knows
 * nothing changed, and a create retried with its id (the recovery from an outcome-unknown create)
 * never stores a second record. Backends add their own outcome-unknown cases (timeouts) in their suites.
 */
export function outcomesContract(api: TestApi, make: MakeTestRepo): void {
  const { describe, it, expect } = api;

  describe('error outcomes', () => {
    it('a duplicate id is a conflict that changed nothing: not retryable, outcome known, carrying the id', async () => {
      const repo = await make();
      await repo.create({ id: 'dup', name: 'first' });
      const err = await caught(repo.create({ id: 'dup', name: 'second' }));
      expect(flags(err)).toEqual({ code: 'MOTIFS_CONFLICT', retryable: false, outcomeUnknown: false });
      expect(err.details.id).toBe('dup');
      expect((await repo.retrieve('dup')).name).toBe('first');
    });

    it('a create repeated with the id it was given stores one record, whatever the first call reported', async () => {
      const repo = await make();
      const first = await repo.create({ name: 'once' });
      // What an app does after an outcome-unknown create: retry with err.details.id.
      const again = await caught(repo.create({ id: first.id, name: 'once' }));
      expect(again.code).toBe('MOTIFS_CONFLICT');
      expect(await repo.count({})).toBe(1);
    });

    it('bad input, a missing record and a closed repo are errors with a known outcome', async () => {
      const repo = await make();
      expect(flags(await caught(repo.create('nope' as never)))).toEqual({ code: 'MOTIFS_VALIDATION', retryable: false, outcomeUnknown: false });
      expect(flags(await caught(repo.update('missing', { name: 'x' })))).toEqual({ code: 'MOTIFS_NOT_FOUND', retryable: false, outcomeUnknown: false });
      expect(flags(await caught(repo.retrieve('missing')))).toEqual({ code: 'MOTIFS_NOT_FOUND', retryable: false, outcomeUnknown: false });
      await repo.close();
      expect(flags(await caught(repo.create({ name: 'late' })))).toEqual({ code: 'MOTIFS_UNAVAILABLE', retryable: false, outcomeUnknown: false });
    });
  });
}
