import { expect } from '@jest/globals';
import { isMotifsError, type IBaseDto } from '@motifs/core';
import type { Redis } from 'ioredis';
import type { RedisRepo } from '../src/index.js';

/** `commandTimeoutMs` of the repos under load. */
export const COMMAND_TIMEOUT_MS = 1000;
// A call first waits for a usable connection (at most commandTimeoutMs), then runs under the client's own
// commandTimeoutMs: 2 x commandTimeoutMs is the documented bound; the slack covers a loaded CI machine.
export const SLACK_MS = COMMAND_TIMEOUT_MS + 500;

/** A record the load writes: `owner` is the caller that writes it, `v` counts its acknowledged updates. */
export type LoadRecord = IBaseDto & { owner: number; v: number; k: string };

/** What one call did. */
export interface CallOutcome {
  op: 'create' | 'update';
  at: number;
  ms: number;
  ok: boolean;
  code?: string;
  retryable?: boolean;
  outcomeUnknown?: boolean;
  message?: string;
}

/** The result of {@link runLoad}. */
export interface LoadResult {
  outcomes: CallOutcome[];
  /** Ids whose create was acknowledged. */
  created: Set<string>;
  /** Per id, the highest `v` an acknowledged update wrote. */
  acked: Map<string, number>;
  killedAt: number;
  /** First success started after the kill, in ms after it. */
  firstSuccessMs: number | undefined;
}

/**
 * `callers` concurrent callers create and update records (each its own) in a steady stream; after
 * `warmupMs` it runs `kill`, then goes on until calls succeed again for `afterRecoveryMs` (at most
 * `maxMs` after the kill).
 */
export async function runLoad(repo: RedisRepo<LoadRecord>, options: { callers: number; warmupMs: number; afterRecoveryMs: number; maxMs: number; kill: () => Promise<void> }): Promise<LoadResult> {
  const outcomes: CallOutcome[] = [];
  const created = new Set<string>();
  const acked = new Map<string, number>();
  let killedAt = Infinity;
  let firstSuccessAt: number | undefined;
  let stop = false;
  const mine: string[][] = Array.from({ length: options.callers }, () => []);
  const next = new Map<string, number>();

  const caller = async (owner: number): Promise<void> => {
    let i = 0;
    while (!stop) {
      i += 1;
      const ids = mine[owner]!;
      const op: CallOutcome['op'] = ids.length < 3 || i % 3 === 0 ? 'create' : 'update';
      const start = Date.now();
      const outcome: CallOutcome = { op, at: start, ms: 0, ok: false };
      try {
        if (op === 'create') {
          const r = await repo.create({ owner, v: 0, k: `k${i % 5}` });
          ids.push(r.id);
          created.add(r.id);
          next.set(r.id, 1);
        } else {
          const id = ids[i % ids.length]!;
          const v = next.get(id)!;
          // Sent v is never reused: a retried update could otherwise hide a lost one.
          next.set(id, v + 1);
          await repo.update(id, { v, k: `k${v % 5}` });
          acked.set(id, Math.max(acked.get(id) ?? 0, v));
        }
        outcome.ok = true;
        if (start >= killedAt && firstSuccessAt === undefined) firstSuccessAt = Date.now();
      } catch (err) {
        outcome.code = isMotifsError(err) ? err.code : 'NOT_MOTIFS';
        outcome.retryable = isMotifsError(err) ? err.retryable : false;
        outcome.outcomeUnknown = isMotifsError(err) ? err.outcomeUnknown : false;
        outcome.message = String((err as Error).message).slice(0, 160);
        // Pace retries a little, as a caller with backoff would.
        await new Promise((r) => setTimeout(r, 20));
      }
      outcome.ms = Date.now() - start;
      outcomes.push(outcome);
    }
  };

  const running = Array.from({ length: options.callers }, (_, owner) => caller(owner));
  await new Promise((r) => setTimeout(r, options.warmupMs));
  // From the moment the node is gone (its port refuses connections).
  await options.kill();
  killedAt = Date.now();
  const deadline = killedAt + options.maxMs;
  while (Date.now() < deadline && (firstSuccessAt === undefined || Date.now() < firstSuccessAt + options.afterRecoveryMs)) {
    await new Promise((r) => setTimeout(r, 100));
  }
  stop = true;
  await Promise.all(running);
  return { outcomes, created, acked, killedAt, firstSuccessMs: firstSuccessAt === undefined ? undefined : firstSuccessAt - killedAt };
}

/** Counts of outcomes after the kill, by `ok` / error code and flags, for the report. */
export function summarize(result: LoadResult): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of result.outcomes) {
    const key = o.ok ? `${o.op} ok` : `${o.op} ${o.code}${o.retryable ? ' retryable' : ''}${o.outcomeUnknown ? ' outcomeUnknown' : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** The distinct error messages seen (first words), to learn what the client threw. */
export function messages(result: LoadResult): string[] {
  return [...new Set(result.outcomes.filter((o) => !o.ok).map((o) => o.message!.replace(/[0-9a-f-]{36}/g, '<id>').replace(/\d+/g, 'N')))];
}

/**
 * Checks the repo's raw keys on `node` (the server holding its slot): the id set equals the
 * records, and each index set holds exactly the ids whose record has that value.
 */
export async function checkRawInvariants(node: Redis, prefix: string): Promise<{ records: number; problems: string[] }> {
  const problems: string[] = [];
  const ids = new Set(await node.smembers(`${prefix}ids`));
  const recKeys: string[] = [];
  const idxKeys: string[] = [];
  let cursor = '0';
  do {
    const [nextCursor, keys] = await node.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = nextCursor;
    for (const key of keys) {
      if (key.startsWith(`${prefix}rec:`)) recKeys.push(key);
      else if (key.startsWith(`${prefix}idx:`)) idxKeys.push(key);
    }
  } while (cursor !== '0');
  const recIds = new Set(recKeys.map((k) => k.slice(prefix.length + 4)));
  for (const id of ids) if (!recIds.has(id)) problems.push(`id ${id} without record`);
  for (const id of recIds) if (!ids.has(id)) problems.push(`record ${id} not in the id set`);
  const kOf = new Map<string, string | null>();
  for (const id of recIds) kOf.set(id, await node.hget(`${prefix}rec:${id}`, 'k'));
  const idxK = `${prefix}idx:${JSON.stringify('k')}:`;
  const indexed = new Map<string, string>();
  for (const key of idxKeys) {
    if (!key.startsWith(idxK)) continue;
    for (const id of await node.smembers(key)) {
      const value = key.slice(idxK.length);
      if (indexed.has(id)) problems.push(`id ${id} in two k index sets`);
      indexed.set(id, value);
      if (kOf.get(id) !== value) problems.push(`id ${id} indexed as ${value} but holds ${kOf.get(id)}`);
    }
  }
  for (const [id, value] of kOf) if (value !== null && !indexed.has(id)) problems.push(`id ${id} (k ${value}) missing from its index`);
  return { records: recIds.size, problems };
}

/**
 * Every call from `COMMAND_TIMEOUT_MS` before the kill on settled within the bound, and every failure
 * is a typed unavailable/timeout error that is retryable or says its write may have happened.
 */
export function expectSettled(result: LoadResult): void {
  const after = result.outcomes.filter((o) => o.at >= result.killedAt - COMMAND_TIMEOUT_MS);
  const slow = after.filter((o) => o.ms > COMMAND_TIMEOUT_MS + SLACK_MS);
  expect(slow).toEqual([]);
  for (const o of result.outcomes.filter((x) => !x.ok)) {
    expect(o.code).toMatch(/^MOTIFS_(UNAVAILABLE|TIMEOUT)$/);
    // Retryable, or a write that may have happened and says so.
    expect(o.retryable || o.outcomeUnknown).toBe(true);
  }
}

/** The acknowledged creates and updates `repo` no longer has (each as a line saying what is missing). */
export async function lostAcknowledged(repo: RedisRepo<LoadRecord>, result: LoadResult): Promise<string[]> {
  const lost: string[] = [];
  for (const id of result.created) {
    const record = await repo.retrieve(id).catch(() => undefined);
    if (!record) lost.push(`create ${id}`);
    else if (record.v < (result.acked.get(id) ?? 0)) lost.push(`update ${id} v${result.acked.get(id)} (has v${record.v})`);
  }
  return lost;
}
