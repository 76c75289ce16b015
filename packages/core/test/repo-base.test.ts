import { tracingChannel } from 'node:diagnostics_channel';
import { describe, expect, it } from '@jest/globals';
import { MotifsErrorConflict, MotifsErrorNotFound, MotifsErrorUnavailable, MotifsErrorValidation, type IBaseDto } from '../src/index.js';
import { type RepoEventError } from '../src/kit.js';
import type { MotifsLogMeta } from '../src/logger.js';
import type { MotifsTraceContext } from '../src/tracing.js';
import { RepoBase, type CompiledCondition, type PreparedRecord } from '../src/kit.js';

interface Person extends IBaseDto {
  name: string;
  age?: number;
}

/** The smallest adapter: a Map of JSON texts. */
class MapRepo<T extends IBaseDto = Person> extends RepoBase<T> {
  readonly texts = new Map<string, string>();
  closedBackend = 0;

  protected readRecord(id: string): T | undefined {
    const json = this.texts.get(id);
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }
  protected insertRecord({ record, json }: PreparedRecord<T>): boolean {
    if (this.texts.has(record.id)) return false;
    this.texts.set(record.id, json);
    return true;
  }
  protected patchRecord(id: string, patch: Partial<T>): T | undefined {
    const before = this.readRecord(id);
    if (!before) return undefined;
    const json = JSON.stringify({ ...before, ...patch });
    this.texts.set(id, json);
    return JSON.parse(json) as T;
  }
  protected removeRecord(id: string): T | undefined {
    const record = this.readRecord(id);
    this.texts.delete(id);
    return record;
  }
  protected findRecords(_conditions: readonly CompiledCondition[]): T[] {
    return [...this.texts.values()].map((json) => JSON.parse(json) as T);
  }
  protected countRecords(conditions: readonly CompiledCondition[]): number {
    return conditions.length === 0 ? this.texts.size : -1;
  }
  protected closeBackend(): void {
    this.closedBackend++;
  }
}

function memoryLogger(): { lines: [string, string, MotifsLogMeta | undefined][]; logger: { warn: (m: string, meta?: MotifsLogMeta) => void; error: (m: string, meta?: MotifsLogMeta) => void } } {
  const lines: [string, string, MotifsLogMeta | undefined][] = [];
  return {
    lines,
    logger: {
      warn: (message, meta) => lines.push(['warn', message, meta]),
      error: (message, meta) => lines.push(['error', message, meta]),
    },
  };
}

describe('RepoBase', () => {
  it('validates options in the constructor', () => {
    expect(() => new MapRepo({ name: 'bad name' })).toThrow(MotifsErrorValidation);
    expect(() => new MapRepo({ name: 'people', indexes: ['a', 'a'] })).toThrow(MotifsErrorValidation);
  });

  it('sequences the primitives: conflict on an existing id, not-found on a missing record', async () => {
    const repo = new MapRepo({ name: 'people' });
    const ada = await repo.create({ id: 'a', name: 'Ada' });
    expect(ada).toMatchObject({ id: 'a', name: 'Ada' });
    await expect(repo.create({ id: 'a', name: 'Bo' })).rejects.toBeInstanceOf(MotifsErrorConflict);
    await expect(repo.retrieve('nope')).rejects.toBeInstanceOf(MotifsErrorNotFound);
    await expect(repo.update('nope', { name: 'x' })).rejects.toBeInstanceOf(MotifsErrorNotFound);
    expect(await repo.delete_('nope')).toBe(false);
    await repo.create({ id: 'b', name: 'Bo', age: 3 });
    expect((await repo.findMany({ age: { $gte: 1 } })).map((r) => r.id)).toEqual(['b']);
    expect(await repo.count({})).toBe(2);
  });

  it('logs an after listener failure nobody hears on "error", and not when someone does', async () => {
    const { lines, logger } = memoryLogger();
    const repo = new MapRepo({ name: 'people', logger });
    const boom = new Error('boom');
    repo.em.on('people.create.after', () => Promise.reject(boom));
    await repo.create({ id: 'a', name: 'Ada' });
    expect(lines).toEqual([['warn', 'repo "people": a listener of people.create.after threw, and nothing listens on "error"', { error: boom, event: 'people.create.after', repo: 'people' }]]);
    const reports: RepoEventError[] = [];
    repo.em.on('error', async (report) => {
      reports.push(report);
    });
    await repo.create({ id: 'b', name: 'Bo' });
    expect(lines).toHaveLength(1);
    expect(reports).toEqual([{ error: boom, event: 'people.create.after', repo: 'people' }]);
  });

  it('closes once, through close() or await using, and refuses calls afterwards', async () => {
    let outer: MapRepo | undefined;
    {
      await using repo = new MapRepo({ name: 'people' });
      outer = repo;
      await repo.create({ id: 'a', name: 'Ada' });
    }
    expect(outer.closedBackend).toBe(1);
    await outer.close();
    expect(outer.closedBackend).toBe(1);
    const err = await outer.retrieve('a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MotifsErrorUnavailable);
    expect((err as MotifsErrorUnavailable).retryable).toBe(false);
  });

  it('traces each public operation on motifs:repo:<op> with the repo name and the id', async () => {
    const seen: [string, MotifsTraceContext][] = [];
    const subscriptions = ['create', 'retrieve', 'update', 'delete', 'findMany', 'count'].map((op) => {
      const channel = tracingChannel(`motifs:repo:${op}`);
      const noop = (): void => {};
      const handlers = { start: noop, end: noop, asyncStart: noop, error: noop, asyncEnd: (ctx: unknown) => seen.push([op, ctx as MotifsTraceContext]) };
      channel.subscribe(handlers);
      return () => channel.unsubscribe(handlers);
    });
    try {
      const repo = new MapRepo({ name: 'people', namespace: 'ns' });
      await repo.create({ id: 'a', name: 'Ada' });
      await repo.retrieve('a');
      await repo.update('a', { name: 'Bo' });
      await repo.findMany({});
      await repo.count({});
      await repo.delete_('a');
      await repo.retrieve('a').catch(() => undefined);
    } finally {
      for (const unsubscribe of subscriptions) unsubscribe();
    }
    expect(seen.map(([op, ctx]) => [op, ctx.name, ctx.namespace, ctx.id])).toEqual([
      ['create', 'people', 'ns', 'a'],
      ['retrieve', 'people', 'ns', 'a'],
      ['update', 'people', 'ns', 'a'],
      ['findMany', 'people', 'ns', undefined],
      ['count', 'people', 'ns', undefined],
      ['delete', 'people', 'ns', 'a'],
      ['retrieve', 'people', 'ns', 'a'],
    ]);
    expect(seen[6]![1].error).toBeInstanceOf(MotifsErrorNotFound);
  });
});
