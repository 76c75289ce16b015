// The change feed's promise, on a redis-server of our own that persists every write (AOF, fsync
// always): a write and its change message are one script, so after a kill -9 mid-load and a
// restart from the AOF the records and the stream agree exactly. Also: a write whose reply is
// lost (the server frozen) either landed with its message or neither.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMotifsError, type IBaseDto, type RepoChange } from '@motifs/core';
import { describeWithService } from '@motifs/test-suite';
import { Redis } from 'ioredis';
import { createRedisRepo, type RedisRepo } from '../src/index.js';
import { freePort, startRedis, stopRedis } from '../../../tools/jest/own-redis.js';
import { readChannel } from './read-channel.js';

interface Item extends IBaseDto {
  /** The write that produced this state: a token unique per create / update call. */
  w: string;
  n: number;
}

type Outcome = 'acked' | 'failed' | 'unknown';

interface Attempt {
  op: 'create' | 'update' | 'delete';
  id: string;
  /** Token of a create / update. */
  w?: string;
  outcome: Outcome;
  /** What an acknowledged call resolved: the record, or delete_'s boolean. */
  result?: Item | boolean;
}

/** JSON with keys sorted: a record read back may list its fields in another order. */
const canonical = (value: object): string => JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const NAMESPACE = 'feed';
const CHANNEL = 'items.changes';

/** Runs one write and records its outcome as the caller sees it. */
async function attempt(log: Attempt[], a: Omit<Attempt, 'outcome'>, call: () => Promise<Item | boolean>): Promise<void> {
  const entry: Attempt = { ...a, outcome: 'failed' };
  log.push(entry);
  try {
    entry.result = await call();
    entry.outcome = 'acked';
  } catch (err) {
    if (!isMotifsError(err)) throw err;
    entry.outcome = err.outcomeUnknown ? 'unknown' : 'failed';
  }
}

/** Reads every record of `ids` straight from Redis (not through the repo under test). */
async function readRecords(url: string, repo: RedisRepo<Item>, ids: string[]): Promise<Map<string, Item>> {
  const raw = new Redis(url);
  try {
    const out = new Map<string, Item>();
    for (const id of ids) {
      const flat = await raw.hgetall(repo.layout.rec(id));
      if (Object.keys(flat).length === 0) continue;
      out.set(id, Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, JSON.parse(v)])) as Item);
    }
    return out;
  } finally {
    await raw.quit();
  }
}

/** Folds the stream per id and compares it with the records and the attempts; returns the figures. */
function check(changes: { key?: string | undefined; change: RepoChange<Item> }[], records: Map<string, Item>, ids: string[], log: Attempt[]) {
  const mismatches: string[] = [];
  const byId = new Map<string, RepoChange<Item>[]>();
  for (const { key, change } of changes) {
    if (key !== change.id) mismatches.push(`message key ${key} != id ${change.id}`);
    const list = byId.get(change.id) ?? [];
    list.push(change);
    byId.set(change.id, list);
  }
  for (const id of ids) {
    const list = byId.get(id) ?? [];
    list.forEach((c, i) => {
      if (c.version !== i + 1) mismatches.push(`${id}: change #${i + 1} has version ${c.version}`);
    });
    const last = list[list.length - 1];
    const record = records.get(id);
    if (record) {
      if (!last || last.op === 'delete') mismatches.push(`${id}: record present, last change ${last?.op ?? 'none'}`);
      else if (canonical(last.dto) !== canonical(record)) mismatches.push(`${id}: record ${JSON.stringify(record)} != last change ${JSON.stringify(last.dto)}`);
    } else if (last && last.op !== 'delete') {
      mismatches.push(`${id}: no record, last change ${last.op}`);
    }
  }
  const tokens = new Map<string, number>();
  for (const { change } of changes) if (change.op !== 'delete') tokens.set(change.dto.w, (tokens.get(change.dto.w) ?? 0) + 1);
  let landedUnknown = 0;
  for (const a of log) {
    if (a.op === 'delete') continue;
    const seen = tokens.get(a.w!) ?? 0;
    if (seen > 1) mismatches.push(`write ${a.w} has ${seen} changes`);
    if (a.outcome === 'acked' && seen !== 1) mismatches.push(`acknowledged ${a.op} ${a.w} has no change`);
    if (a.outcome === 'failed' && seen !== 0) mismatches.push(`failed ${a.op} ${a.w} has a change`);
    if (a.outcome === 'unknown' && seen === 1) landedUnknown++;
  }
  const deleteChanges = changes.filter((c) => c.change.op === 'delete').length;
  const deletesTrue = log.filter((a) => a.op === 'delete' && a.outcome === 'acked' && a.result === true).length;
  const deletesUnknown = log.filter((a) => a.op === 'delete' && a.outcome === 'unknown').length;
  if (deleteChanges < deletesTrue || deleteChanges > deletesTrue + deletesUnknown) {
    mismatches.push(`${deleteChanges} delete changes for ${deletesTrue} acknowledged deletes and ${deletesUnknown} unknown`);
  }
  return { mismatches, landedUnknown };
}

describeWithService({ describe, it }, 'redis', 'redis repo change feed consistency (own redis-server, AOF)', () => {
  let port: number;
  let url: string;
  let dir: string;
  let server: ChildProcess;
  const aof = (): string[] => ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'motifs-feed-'));
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    server = await startRedis(port, aof());
  }, 30_000);

  afterAll(async () => {
    await stopRedis(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('after a kill -9 under load and a restart from the AOF, the stream folds to exactly the records', async () => {
    const repo = await createRedisRepo<Item>({ name: 'items', namespace: NAMESPACE, indexes: ['n'], changes: { channelId: CHANNEL }, redis: { url, commandTimeoutMs: 1000 } });
    const ids = Array.from({ length: 40 }, (_, i) => `i${i}`);
    const log: Attempt[] = [];
    let seq = 0;
    let running = true;
    const worker = async (): Promise<void> => {
      while (running) {
        const id = ids[Math.floor(Math.random() * ids.length)]!;
        const r = Math.random();
        const w = `w${++seq}`;
        if (r < 0.35) await attempt(log, { op: 'create', id, w }, () => repo.create({ id, w, n: seq }));
        else if (r < 0.8) await attempt(log, { op: 'update', id, w }, () => repo.update(id, { w, n: seq }));
        else await attempt(log, { op: 'delete', id }, () => repo.delete_(id));
        // While Redis is down every call fails at once: do not spin.
        if (log[log.length - 1]!.outcome !== 'acked') await sleep(5);
      }
    };
    const workers = Array.from({ length: 16 }, () => worker());
    await sleep(1500);
    await stopRedis(server); // SIGKILL mid-load
    const killedAt = log.length;
    await sleep(700);
    server = await startRedis(port, aof()); // same port, same dir: replays the AOF
    await sleep(1500);
    running = false;
    await Promise.all(workers);
    await repo.close();

    const changes = (await readChannel(() => new Redis(url), NAMESPACE, CHANNEL)).map((m) => ({ key: m.key, change: JSON.parse(m.value) as RepoChange<Item> }));
    const records = await readRecords(url, repo, ids);
    const { mismatches, landedUnknown } = check(changes, records, ids, log);
    const count = (o: Outcome): number => log.filter((a) => a.outcome === o).length;
    const figures = {
      attempted: log.length,
      attemptedBeforeKill: killedAt,
      acknowledged: count('acked'),
      failedOutcomeKnown: count('failed'),
      failedOutcomeUnknown: count('unknown'),
      unknownThatLanded: landedUnknown,
      messages: changes.length,
      records: records.size,
      mismatches: mismatches.length,
    };
    process.stdout.write(`repo-redis change feed after kill -9 + AOF restart: ${JSON.stringify(figures)}\n`);
    expect(mismatches.slice(0, 10)).toEqual([]);
    // The load really ran on both sides of the kill.
    expect(log.slice(0, killedAt).filter((a) => a.outcome === 'acked').length).toBeGreaterThan(50);
    expect(log.slice(killedAt).filter((a) => a.outcome === 'acked').length).toBeGreaterThan(10);
    expect(count('failed') + count('unknown')).toBeGreaterThan(0);
  }, 60_000);

  it('a write whose reply times out (server frozen) either landed with its message or neither', async () => {
    const repo = await createRedisRepo<Item>({ name: 'frozen', namespace: NAMESPACE, changes: { channelId: 'frozen' }, redis: { url, commandTimeoutMs: 300 } });
    await repo.create({ id: 'u', w: 'w0', n: 0 });
    await repo.create({ id: 'd', w: 'w0', n: 0 });
    server.kill('SIGSTOP');
    const log: Attempt[] = [];
    try {
      await Promise.all([
        attempt(log, { op: 'create', id: 'c', w: 'wc' }, () => repo.create({ id: 'c', w: 'wc', n: 1 })),
        attempt(log, { op: 'update', id: 'u', w: 'wu' }, () => repo.update('u', { w: 'wu', n: 1 })),
        attempt(log, { op: 'delete', id: 'd' }, () => repo.delete_('d')),
      ]);
    } finally {
      await sleep(200);
      server.kill('SIGCONT');
    }
    expect(log.map((a) => a.outcome)).toEqual(['unknown', 'unknown', 'unknown']);
    // Let the frozen server run what it had received before judging.
    await sleep(500);
    const changes = (await readChannel(() => new Redis(url), NAMESPACE, 'frozen')).map((m) => ({ key: m.key, change: JSON.parse(m.value) as RepoChange<Item> }));
    const records = await readRecords(url, repo, ['c', 'u', 'd']);
    const { mismatches, landedUnknown } = check(changes, records, ['c', 'u', 'd'], log);
    expect(mismatches).toEqual([]);
    const landed = { create: records.has('c'), update: records.get('u')?.w === 'wu', delete: !records.has('d') };
    process.stdout.write(`repo-redis change feed, writes cut off by a freeze: ${JSON.stringify({ landed, landedUnknown, messages: changes.length })}\n`);
    // Each write and its message: both or neither.
    expect(changes.some((c) => c.change.op === 'create' && c.change.id === 'c')).toBe(landed.create);
    expect(changes.some((c) => c.change.op === 'update' && c.change.dto.w === 'wu')).toBe(landed.update);
    expect(changes.some((c) => c.change.op === 'delete' && c.change.id === 'd')).toBe(landed.delete);
    await repo.close();
  }, 30_000);
});
