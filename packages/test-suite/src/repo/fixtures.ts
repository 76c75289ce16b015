import type { IBaseDto, IRepo, RepoChangesOptions } from '@motifs/core';
import { uniqueNamespace } from '../services.js';
import type { TestApi } from '../runner.js';
import type { Person, RepoContractOptions } from './types.js';

/** Builds repos for one test and removes their records and connections afterwards. */
export type MakeTestRepo = <T extends IBaseDto = Person>(overrides?: { name?: string; namespace?: string; indexes?: string[]; changes?: RepoChangesOptions }) => Promise<IRepo<T>>;

/**
 * Registers an afterEach that deletes every record the test's repos hold (through the public
 * API, so a Redis repo leaves no keys) and closes them.
 */
export function useRepos(api: TestApi, options: Pick<RepoContractOptions, 'create'>): { make: MakeTestRepo; namespace: string } {
  const namespace = uniqueNamespace('motifs-repo');
  const open: IRepo<IBaseDto>[] = [];
  api.afterEach(async () => {
    for (const repo of open.splice(0)) {
      repo.em.clearListeners();
      try {
        const all = await repo.findMany({});
        await Promise.all(all.map((r) => repo.delete_(r.id)));
      } catch {
        // A test that closed its repo already cleaned up.
      }
      await repo.close().catch(() => undefined);
    }
  });
  const make: MakeTestRepo = async (overrides = {}) => {
    const repo = await options.create({
      name: overrides.name ?? 'people',
      namespace: overrides.namespace ?? namespace,
      indexes: overrides.indexes ?? [],
      ...(overrides.changes !== undefined && { changes: overrides.changes }),
    });
    open.push(repo as unknown as IRepo<IBaseDto>);
    return repo as never;
  };
  return { make, namespace };
}

/** The query data set: awkward on purpose (nulls, missing fields, mixed types, case). */
export const PEOPLE: readonly Person[] = [
  { id: 'p01', name: 'Ada', city: 'London', age: 36, active: true },
  { id: 'p02', name: 'Bo', city: 'Oslo', age: 17, active: false },
  { id: 'p03', name: 'Cy', city: 'Paris', age: 65, active: true },
  { id: 'p04', name: 'Di', city: 'London', age: 18, active: false },
  { id: 'p05', name: 'Ed', city: null, age: 40 },
  { id: 'p06', name: 'Fa', age: '40', active: true },
  { id: 'p07', name: 'Gu', city: 'oslo', age: 64.5, active: true },
  { id: 'p08', name: 'Hu', city: 'London', tags: ['x'], age: -3 },
  { id: 'p09', name: 'Io', city: 1, age: 0 },
  { id: 'p10', name: 'Jo', city: '1', age: 18, active: true },
];

/** Sorted ids of records, for order-insensitive comparisons. */
export const idsOf = (records: readonly IBaseDto[]): string[] => records.map((r) => r.id).sort();

/** Ids in the order given. */
export const orderOf = (records: readonly IBaseDto[]): string[] => records.map((r) => r.id);

/** `it.each` for runners whose `it` has no `.each`: one test per case, `%s` replaced by its label. */
export function eachCase<C extends [string, ...unknown[]]>(api: TestApi, cases: readonly C[], title: string, body: (...args: C) => Promise<void>): void {
  for (const c of cases) api.it(title.replace('%s', c[0]), () => body(...c));
}
