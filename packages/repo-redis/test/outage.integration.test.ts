// Redis freezing, dying and coming back, on a redis-server of our own (the shared one is left alone):
// which errors say "the write may have happened" (issue 14, defect 6), and how soon the repo
// recovers after a restart (defect 8b).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { isMotifsError, type IBaseDto, type MotifsError } from '@motifs/core';
import { describeWithService } from '@motifs/test-suite';
import { createRedisRepo, type RedisRepo } from '../src/index.js';
import { freePort, startRedis, stopRedis } from '../../../tools/jest/own-redis.js';

interface Row extends IBaseDto {
  name: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const caught = async (call: Promise<unknown>): Promise<MotifsError> => {
  const err = await call.then(() => undefined, (e: unknown) => e);
  if (!isMotifsError(err)) throw new Error(`expected a motifs error, got ${String(err)}`);
  return err;
};

describeWithService({ describe, it }, 'redis', 'redis repo when Redis fails', () => {
  let port: number;
  let server: ChildProcess;
  let url: string;
  const open: RedisRepo<Row>[] = [];
  let seq = 0;

  const make = async (options: { commandTimeoutMs?: number } = {}): Promise<RedisRepo<Row>> => {
    const repo = await createRedisRepo<Row>({ name: `rows${++seq}`, namespace: 'outage', redis: { url, ...options } });
    open.push(repo);
    return repo;
  };

  /** Freezes the server for `ms` (SIGSTOP, then SIGCONT). */
  const freeze = (ms: number): Promise<void> => {
    server.kill('SIGSTOP');
    return sleep(ms).then(() => {
      server.kill('SIGCONT');
    });
  };

  beforeAll(async () => {
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    server = await startRedis(port);
  }, 30_000);

  afterAll(async () => {
    for (const repo of open) await repo.close();
    await stopRedis(server);
  });

  it('a create whose reply is lost says its outcome is unknown, is not retryable and carries the id: an app retrying retryable errors stores each record once', async () => {
    const repo = await make({ commandTimeoutMs: 500 });
    // Loads the create script, so a frozen server holds EVALSHA calls that will run (not NOSCRIPT).
    await repo.delete_((await repo.create({ name: 'warm-up' })).id);
    const frozen = freeze(1500);
    const errors: MotifsError[] = [];
    // The app: retry what the error calls retryable, a few times.
    const app = async (i: number): Promise<void> => {
      for (let attempt = 0; attempt < 6; attempt++) {
        try {
          await repo.create({ name: `n${i}` });
          return;
        } catch (err) {
          if (!isMotifsError(err)) throw err;
          errors.push(err);
          if (!err.retryable) return;
          await sleep(300);
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, (_, i) => app(i)));
    await frozen;
    await sleep(300);
    const stored = await repo.findMany({});
    expect(stored.map((r) => r.name).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `n${i}`).sort());
    expect(errors).toHaveLength(10);
    for (const err of errors) {
      expect({ code: err.code, retryable: err.retryable, outcomeUnknown: err.outcomeUnknown }).toEqual({ code: 'MOTIFS_TIMEOUT', retryable: false, outcomeUnknown: true });
      expect(typeof err.details.id).toBe('string');
    }
    // The id in the error settles it: a create with it is a conflict when the first one landed.
    for (const err of errors) {
      expect((await caught(repo.create({ id: err.details.id as string, name: 'again' }))).code).toBe('MOTIFS_CONFLICT');
      expect((await repo.retrieve(err.details.id as string)).name).toMatch(/^n\d$/);
    }
  }, 30_000);

  it('update and delete_ are idempotent: outcome unknown but retryable, and a retry converges', async () => {
    const repo = await make({ commandTimeoutMs: 500 });
    await repo.create({ id: 'u', name: 'before' });
    await repo.create({ id: 'd', name: 'doomed' });
    const frozen = freeze(1200);
    const update = await caught(repo.update('u', { name: 'after' }));
    const del = await caught(repo.delete_('d'));
    await frozen;
    for (const err of [update, del]) {
      expect({ code: err.code, retryable: err.retryable, outcomeUnknown: err.outcomeUnknown }).toEqual({ code: 'MOTIFS_TIMEOUT', retryable: true, outcomeUnknown: true });
    }
    expect((await repo.update('u', { name: 'after' })).name).toBe('after');
    await repo.delete_('d');
    expect(await repo.count({})).toBe(1);
  }, 30_000);

  it('a read that times out is retryable and its outcome is known (it changed nothing)', async () => {
    const repo = await make({ commandTimeoutMs: 300 });
    await repo.count({});
    const frozen = freeze(800);
    const read = await caught(repo.retrieve('nope'));
    const find = await caught(repo.findMany({ name: 'x' }));
    await frozen;
    for (const err of [read, find]) {
      expect({ code: err.code, retryable: err.retryable, outcomeUnknown: err.outcomeUnknown }).toEqual({ code: 'MOTIFS_TIMEOUT', retryable: true, outcomeUnknown: false });
    }
  }, 30_000);

  it('a write refused because Redis is down was not sent: retryable, outcome known, and nothing is stored', async () => {
    const repo = await make({ commandTimeoutMs: 1000 });
    await repo.create({ id: 'kept', name: 'kept' });
    await stopRedis(server);
    await sleep(100); // the client has seen the connection close: a call now is refused, not sent
    try {
      for (const call of [repo.create({ name: 'x' }), repo.update('kept', { name: 'y' }), repo.delete_('kept')]) {
        const err = await caught(call);
        // MOTIFS_UNAVAILABLE, or MOTIFS_TIMEOUT if no reconnection attempt failed within commandTimeoutMs.
        expect({ unavailable: isMotifsError(err, 'MOTIFS_UNAVAILABLE'), retryable: err.retryable, outcomeUnknown: err.outcomeUnknown }).toEqual({ unavailable: true, retryable: true, outcomeUnknown: false });
      }
    } finally {
      server = await startRedis(port);
    }
  }, 30_000);

  it('recovers soon after Redis restarts, with default options', async () => {
    const repo = await make();
    await repo.count({});
    await stopRedis(server);
    await sleep(4000);
    server = await startRedis(port);
    const restarted = Date.now();
    for (;;) {
      const ok = await repo.count({}).then(() => true, () => false);
      if (ok) break;
      if (Date.now() - restarted > 20_000) throw new Error('no success within 20 s of the restart');
      await sleep(10);
    }
    const recoveryMs = Date.now() - restarted;
    process.stdout.write(`repo-redis: first success ${recoveryMs} ms after the restart (4 s outage, default options)\n`);
    // The default reconnect delay is at most 1000 ms; generous for a loaded machine.
    expect(recoveryMs).toBeLessThan(3000);
  }, 40_000);
});
