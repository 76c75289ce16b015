// close() with a handler that never settles, seen from outside the process (issue 14, defect 5):
// bounded, the abandoned message reported on `em` and onError, and the process exits on its own.
// (Redelivery to the group is in the shared listener contract.)
import { afterAll, describe, expect, it } from '@jest/globals';
import { type Child, runChild } from '../../../tools/jest/child-process.js';

const children: Child[] = [];
afterAll(() => {
  for (const c of children) c.kill();
});

describe('listener-memory close() with a hung handler (child process)', () => {
  it('close() is bounded, reports the abandoned message, and the process exits on its own', async () => {
    const closeTimeoutMs = 300;
    const child = await runChild('listener-memory', 'hung-close', { CHILD_CLOSE_TIMEOUT_MS: String(closeTimeoutMs) });
    children.push(child);
    const closed = (await child.line('closed', 20_000)) as {
      closeMs: number;
      errors: { code: string; details: Record<string, unknown> }[];
      abandoned: Record<string, unknown>[];
      resources: string[];
    };
    const closedAt = Date.now();
    const exit = await child.exitWithin(5000);
    child.kill();
    console.log('hung-close child:', JSON.stringify({ closeMs: closed.closeMs, exitAfterCloseMs: exit === 'still running' ? exit : exit.at - closedAt, resources: closed.resources }));
    expect(closed.closeMs).toBeGreaterThanOrEqual(closeTimeoutMs - 20);
    expect(closed.closeMs).toBeLessThan(closeTimeoutMs + 2000);
    expect(closed.abandoned).toEqual([{ channelId: 'hung', partition: 0, offset: '0', code: 'MOTIFS_ABANDONED' }]);
    expect(closed.errors).toEqual([expect.objectContaining({ code: 'MOTIFS_ABANDONED', details: expect.objectContaining({ channelId: 'hung', partition: 0, offset: '0' }) })]);
    expect(exit).not.toBe('still running');
    expect(exit === 'still running' ? undefined : exit.code).toBe(0);
    expect(exit === 'still running' ? Infinity : exit.at - closedAt).toBeLessThan(3000);
  }, 60_000);
});
