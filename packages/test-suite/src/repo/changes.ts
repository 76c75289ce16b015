import { MotifsErrorConflict, MotifsErrorNotFound, MotifsErrorValidation, type RepoChange } from '@motifs/core';
import type { TestApi } from '../runner.js';
import type { MakeTestRepo } from './fixtures.js';
import type { Person, RepoChangesCapability } from './types.js';

interface ReadChange {
  key: string | undefined;
  change: RepoChange<Person>;
}

class Refused extends Error {}

/** A repo name no other test uses, so each test reads a channel of its own (memory channels have no namespace). */
const freshName = (): string => `feed-${Math.random().toString(36).slice(2, 10)}`;

/**
 * `changes: { channelId }`: every committed create / update / delete publishes a `RepoChange`
 * (key = id, value = its JSON), per-record order and versions, nothing for a failed write, and the
 * naming rule (the repo's name, or `<name>.` + more) checked at make time on every kind.
 */
export function changesContract(api: TestApi, make: MakeTestRepo, namespace: string, capability: RepoChangesCapability, slowTestMs: number): void {
  const { describe, it, expect } = api;
  const read = async (channelId: string): Promise<ReadChange[]> =>
    (await capability.read({ namespace, channelId })).map((m) => ({ key: m.key, change: JSON.parse(m.value) as RepoChange<Person> }));
  const feedRepo = async (suffix = '.changes', indexes: string[] = []) => {
    const name = freshName();
    const channelId = `${name}${suffix}`;
    return { repo: await make({ name, indexes, changes: { channelId } }), name, channelId };
  };

  describe('change feed', () => {
    it('publishes create, update and delete as { op, id, dto, previous?, version, at } keyed by id', async () => {
      const { repo, channelId } = await feedRepo('.changes', ['age']);
      const started = Date.now();
      const created = await repo.create({ id: 'a/"é', name: 'Ada', age: 36.25, tags: ['x'], nested: { deep: [1, { big: 1e21, tiny: 5e-324 }] } });
      const updated = await repo.update('a/"é', { city: 'Paris', age: 37 });
      expect(await repo.delete_('a/"é')).toBe(true);
      const changes = await read(channelId);
      expect(changes.map((c) => c.key)).toEqual(['a/"é', 'a/"é', 'a/"é']);
      const [c1, c2, c3] = changes.map((c) => c.change);
      expect(c1).toEqual({ op: 'create', id: 'a/"é', dto: created, version: 1, at: c1!.at });
      expect(c2).toEqual({ op: 'update', id: 'a/"é', dto: updated, previous: created, version: 2, at: c2!.at });
      expect(c3).toEqual({ op: 'delete', id: 'a/"é', dto: updated, version: 3, at: c3!.at });
      expect('previous' in c1! || 'previous' in c3!).toBe(false);
      // `at` is the backend's clock: whole ms, in commit order, near this process's clock.
      for (const c of [c1!, c2!, c3!]) {
        expect(Number.isInteger(c.at)).toBe(true);
        expect(Math.abs(c.at - started)).toBeLessThan(10 * 60_000);
      }
      expect(c1!.at).toBeLessThanOrEqual(c2!.at);
      expect(c2!.at).toBeLessThanOrEqual(c3!.at);
    });

    it("takes the repo's own name as channel id", async () => {
      const { repo, channelId, name } = await feedRepo('');
      expect(channelId).toBe(name);
      const created = await repo.create({ id: 'x', name: 'Bo' });
      const changes = (await read(channelId)).map((c) => c.change);
      expect(changes).toEqual([{ op: 'create', id: 'x', dto: created, version: 1, at: changes[0]?.at }]);
      expect(typeof changes[0]!.at).toBe('number');
    });

    it('keeps the order of each record: versions 1..n without gaps, each previous the change before', async () => {
      const { repo, channelId } = await feedRepo('.log');
      const ids = ['r0', 'r1', 'r2', 'r3'];
      await Promise.all(ids.map((id) => repo.create({ id, name: id, n: 0 })));
      // Concurrent updates of one record, across records at once.
      await Promise.all(ids.flatMap((id) => Array.from({ length: 15 }, (_, i) => repo.update(id, { n: i + 1 }))));
      await Promise.all(ids.slice(0, 2).map((id) => repo.delete_(id)));
      const changes = await read(channelId);
      expect(changes).toHaveLength(ids.length * 16 + 2);
      for (const id of ids) {
        const mine = changes.filter((c) => c.key === id).map((c) => c.change);
        expect(mine.map((c) => c.version)).toEqual(Array.from({ length: mine.length }, (_, i) => i + 1));
        expect(mine.map((c) => c.op)).toEqual(['create', ...Array<string>(15).fill('update'), ...(mine.length === 17 ? ['delete'] : [])]);
        for (let i = 1; i < mine.length; i++) {
          if (mine[i]!.op === 'update') expect(mine[i]!.previous).toEqual(mine[i - 1]!.dto);
          else expect(mine[i]!.dto).toEqual(mine[i - 1]!.dto);
        }
        const last = mine[mine.length - 1]!;
        if (last.op === 'delete') await expect(repo.retrieve(id)).rejects.toBeInstanceOf(MotifsErrorNotFound);
        else expect(await repo.retrieve(id)).toEqual(last.dto);
      }
    }, slowTestMs);

    it('continues the version when a deleted id is created again', async () => {
      const { repo, channelId } = await feedRepo();
      await repo.create({ id: 'v', name: 'one' });
      await repo.delete_('v');
      const again = await repo.create({ id: 'v', name: 'two' });
      await repo.update('v', { name: 'three' });
      const changes = (await read(channelId)).map((c) => c.change);
      expect(changes.map((c) => [c.op, c.version])).toEqual([['create', 1], ['delete', 2], ['create', 3], ['update', 4]]);
      expect(changes[2]!.dto).toEqual(again);
    });

    it('publishes nothing for a write that fails or changes nothing', async () => {
      const { repo, channelId, name } = await feedRepo();
      const first = await repo.create({ id: 'k', name: 'kept' });
      const failures: [string, Promise<unknown>, new (...args: never[]) => Error][] = [
        ['a dto that is not an object', repo.create('nope' as never), MotifsErrorValidation],
        ['a dto JSON cannot hold', repo.create({ name: 'x', n: Number.NaN } as never), MotifsErrorValidation],
        ['a duplicate id', repo.create({ id: 'k', name: 'again' }), MotifsErrorConflict],
        ['an update of a missing id', repo.update('missing', { name: 'x' }), MotifsErrorNotFound],
        ['an update changing the id', repo.update('k', { id: 'other', name: 'x' }), MotifsErrorValidation],
        ['a bad id', repo.delete_('' as never), MotifsErrorValidation],
      ];
      for (const [label, call, type] of failures) {
        const err = await call.then(() => undefined, (e: unknown) => e);
        expect([label, err instanceof type]).toEqual([label, true]);
      }
      expect(await repo.delete_('missing')).toBe(false);
      repo.em.on(`${name}.update.before`, async () => {
        throw new Refused('no');
      });
      await expect(repo.update('k', { name: 'refused' })).rejects.toBeInstanceOf(Refused);
      repo.em.clearListeners();
      const changes = (await read(channelId)).map((c) => c.change);
      expect(changes).toEqual([{ op: 'create', id: 'k', dto: first, version: 1, at: changes[0]?.at }]);
      // The failed writes did not count: the next write is version 2.
      await repo.update('k', { name: 'next' });
      expect((await read(channelId)).map((c) => c.change.version)).toEqual([1, 2]);
    });

    it('publishes nothing without the option', async () => {
      const name = freshName();
      const repo = await make({ name });
      await repo.create({ id: 'q', name: 'quiet' });
      await repo.update('q', { name: 'still quiet' });
      expect(await read(name)).toEqual([]);
      expect(await read(`${name}.changes`)).toEqual([]);
    });

    const bad: [string, (name: string) => unknown, string[]][] = [
      ['a string', (n) => `${n}.changes`, ['changes']],
      ['null', () => null, ['changes']],
      ['an array', (n) => [n], ['changes']],
      ['an object without channelId', () => ({}), ['changes', 'channelId']],
      ['a number channelId', () => ({ channelId: 5 }), ['changes', 'channelId']],
      ['an empty channelId', () => ({ channelId: '' }), ['changes', 'channelId']],
      ['a channelId starting with "."', (n) => ({ channelId: `.${n}` }), ['changes', 'channelId']],
      ['a channelId with ":"', (n) => ({ channelId: `${n}:changes` }), ['changes', 'channelId']],
      ['a channelId with braces', (n) => ({ channelId: `${n}.{x}` }), ['changes', 'channelId']],
      ["another repo's name", () => ({ channelId: 'other' }), ['changes', 'channelId']],
      ['the name with more but no "."', (n) => ({ channelId: `${n}x` }), ['changes', 'channelId']],
      ['the name after a prefix', (n) => ({ channelId: `x.${n}` }), ['changes', 'channelId']],
      ['the name in another case', (n) => ({ channelId: n.toUpperCase() }), ['changes', 'channelId']],
    ];
    for (const [label, changes, path] of bad) {
      it(`rejects changes as ${label} at make time with MotifsErrorValidation, nothing published`, async () => {
        const name = freshName();
        const err = await make({ name, changes: changes(name) as never }).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(MotifsErrorValidation);
        expect((err as MotifsErrorValidation).issues[0]!.path).toEqual(path);
        expect(await read(`${name}.changes`)).toEqual([]);
      });
    }
  });
}
