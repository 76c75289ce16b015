import { hasRange, matchesAll, type CompiledCondition } from '@motifs/core/kit';
import { checkedReads } from './index-guard.js';
import { BATCH, decodeFlat } from './record-codec.js';
import type { RepoContext } from './repo-context.js';
import { SCRIPTS, runScript } from './scripts.js';

// Reads are plain commands and read-only scripts. Index reads are checked against the stored index
// list (see index-guard.ts); records are re-checked against the conditions once fetched, so a
// record changed between the index read and the fetch is still filtered correctly.

/** Records that may match `compiled`: from the indexes when one applies, else a scan. */
export async function findCandidates<T>(ctx: RepoContext, compiled: readonly CompiledCondition[]): Promise<T[]> {
  let ids = await candidateIds(ctx, 'findMany', compiled);
  if (!ids) {
    const [all] = (await checkedReads(ctx, 'findMany', (tx) => tx.smembers(ctx.layout.ids))) as [string[]];
    ids = compiled.length ? await probe(ctx, all, compiled) : all;
  }
  return fetchRecords<T>(ctx, ids);
}

/** How many records match `compiled` exactly. */
export async function countMatching(ctx: RepoContext, compiled: readonly CompiledCondition[]): Promise<number> {
  // The id set alone answers, whatever the index list.
  if (compiled.length === 0) return ctx.io.run('count', () => ctx.io.client.scard(ctx.layout.ids));
  // Equalities on indexed fields only: the index alone answers (it is exact, kept by the scripts).
  if (compiled.every((c) => c.hasEq && ctx.indexSet.has(c.field) && c.in === undefined && !hasRange(c))) {
    const keys = compiled.map((c) => ctx.layout.idx(c.field, JSON.stringify(c.eq)));
    try {
      const [count] = await checkedReads(ctx, 'count', (tx) => tx.call('SINTERCARD', keys.length, ...keys));
      return Number(count);
    } catch (err) {
      // SINTERCARD is Redis 7+; older servers send the ids instead.
      if (!/unknown command/i.test(String((err as Error).message))) throw err;
      const [ids] = (await checkedReads(ctx, 'count', (tx) => tx.sinter(...keys))) as [string[]];
      return ids.length;
    }
  }
  // Otherwise read only the tested fields of the candidates (or of every record).
  const ids = (await candidateIds(ctx, 'count', compiled)) ?? ((await checkedReads(ctx, 'count', (tx) => tx.smembers(ctx.layout.ids))) as [string[]])[0];
  return (await probe(ctx, ids, compiled)).length;
}

/** Ids that can satisfy the indexed conditions (intersected), or null when none is indexed and the caller has to scan. */
async function candidateIds(ctx: RepoContext, what: string, compiled: readonly CompiledCondition[]): Promise<string[] | null> {
  const indexed = compiled.filter((c) => ctx.indexSet.has(c.field));
  if (indexed.length === 0) return null;
  if (indexed.some((c) => c.in?.length === 0)) return [];
  const { layout } = ctx;
  const equal = indexed.filter((c) => c.hasEq).map((c) => layout.idx(c.field, JSON.stringify(c.eq)));
  const lists = (await checkedReads(ctx, what, (tx) => {
    if (equal.length) tx.sinter(...equal);
    for (const c of indexed) {
      if (c.in) tx.sunion(...c.in.map((v) => layout.idx(c.field, JSON.stringify(v))));
      if (hasRange(c)) tx.zrangebyscore(layout.zidx(c.field), lowBound(c), highBound(c));
    }
  })) as string[][];
  lists.sort((a, b) => a.length - b.length);
  let result = lists[0] ?? [];
  for (const other of lists.slice(1)) {
    const set = new Set(other);
    result = result.filter((id) => set.has(id));
  }
  return result;
}

/** Records for `ids`, a batch per script call; ids deleted meanwhile are skipped. */
async function fetchRecords<T>(ctx: RepoContext, ids: readonly string[]): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < ids.length; start += BATCH) {
    const keys = ids.slice(start, start + BATCH).map((id) => ctx.layout.rec(id));
    const replies = (await ctx.io.run('findMany', () => runScript(ctx.io.client, SCRIPTS.fetch, keys, [], ctx.send))) as string[][];
    for (const flat of replies) {
      const record = decodeFlat<T>(flat);
      if (record) out.push(record);
    }
  }
  return out;
}

/**
 * A scan that reads only the fields the conditions test (HMGET in batches) and returns the ids
 * that match; the caller then fetches and re-checks those records whole.
 */
async function probe(ctx: RepoContext, ids: readonly string[], compiled: readonly CompiledCondition[]): Promise<string[]> {
  const fields = [...new Set(['id', ...compiled.map((c) => c.field)])];
  const matching: string[] = [];
  for (let start = 0; start < ids.length; start += BATCH) {
    const batch = ids.slice(start, start + BATCH);
    const keys = batch.map((id) => ctx.layout.rec(id));
    const replies = (await ctx.io.run('findMany', () => runScript(ctx.io.client, SCRIPTS.probe, keys, fields, ctx.send))) as (string | null)[][];
    replies.forEach((values, i) => {
      if (values[0] === null) return;
      const flat: string[] = [];
      values.forEach((value, j) => {
        if (value !== null) flat.push(fields[j]!, value);
      });
      if (matchesAll(decodeFlat<object>(flat)!, compiled)) matching.push(batch[i]!);
    });
  }
  return matching;
}

function lowBound(c: CompiledCondition): string {
  if (c.gt !== undefined && (c.gte === undefined || c.gt >= c.gte)) return `(${c.gt}`;
  return c.gte !== undefined ? String(c.gte) : '-inf';
}

function highBound(c: CompiledCondition): string {
  if (c.lt !== undefined && (c.lte === undefined || c.lt <= c.lte)) return `(${c.lt}`;
  return c.lte !== undefined ? String(c.lte) : '+inf';
}
