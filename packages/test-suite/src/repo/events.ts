import { MotifsErrorNotFound } from '@motifs/core';
import { type RepoEventError } from '@motifs/core/kit';
import type { TestApi } from '../runner.js';
import type { MakeTestRepo } from './fixtures.js';
import type { Person } from './types.js';

class Refused extends Error {}

/** `<name>.<op>.<before|after>` on `em`, abort on before, report on after. */
export function eventsContract(api: TestApi, make: MakeTestRepo): void {
  const { describe, it, expect } = api;

  describe('events', () => {
    it('emits before and after for create, update and delete, in order, with the documented payloads', async () => {
      const repo = await make({ name: 'contacts' });
      const seen: [string, unknown][] = [];
      for (const op of ['create', 'update', 'delete'] as const) {
        for (const phase of ['before', 'after'] as const) {
          repo.em.on(`contacts.${op}.${phase}`, async (payload) => {
            seen.push([`${op}.${phase}`, payload]);
          });
        }
      }
      const created = await repo.create({ id: 'c', name: 'Ada' });
      const updated = await repo.update('c', { city: 'Paris' });
      await repo.delete_('c');
      expect(seen.map(([name]) => name)).toEqual([
        'create.before', 'create.after', 'update.before', 'update.after', 'delete.before', 'delete.after',
      ]);
      expect(seen[0]![1]).toEqual({ dto: created });
      expect(seen[1]![1]).toEqual({ dto: created });
      expect(seen[2]![1]).toEqual({ id: 'c', dto: { city: 'Paris', updatedAt: updated.updatedAt } });
      expect(seen[3]![1]).toEqual({ id: 'c', dto: updated, patch: { city: 'Paris', updatedAt: updated.updatedAt } });
      expect(seen[4]![1]).toEqual({ id: 'c' });
      expect(seen[5]![1]).toEqual({ id: 'c', dto: updated });
    });

    it("supports the seed's sample: em.on('contacts.create.after', async ({ dto }) => ...)", async () => {
      const repo = await make({ name: 'contacts' });
      const created: Person[] = [];
      repo.em.on('contacts.create.after', async ({ dto }: { dto: Person }) => {
        created.push(dto);
      });
      const ada = await repo.create({ name: 'Ada' });
      expect(created).toEqual([ada]);
    });

    it('emits delete.after only when something was deleted', async () => {
      const repo = await make({ name: 'contacts' });
      let after = 0;
      repo.em.on('contacts.delete.after', async () => {
        after++;
      });
      expect(await repo.delete_('nothing')).toBe(false);
      expect(after).toBe(0);
    });

    it('aborts on a throwing before listener with nothing written, rejecting with its error', async () => {
      const repo = await make({ name: 'contacts', indexes: ['city'] });
      await repo.create({ id: 'keep', name: 'Ada', city: 'London' });
      const afters: string[] = [];
      for (const op of ['create', 'update', 'delete'] as const) {
        repo.em.on(`contacts.${op}.before`, async () => {
          throw new Refused(`no ${op}`);
        });
        repo.em.on(`contacts.${op}.after`, async () => {
          afters.push(op);
        });
      }
      await expect(repo.create({ id: 'new', name: 'Bo', city: 'London' })).rejects.toBeInstanceOf(Refused);
      await expect(repo.update('keep', { city: 'Paris' })).rejects.toThrow('no update');
      await expect(repo.delete_('keep')).rejects.toThrow('no delete');
      repo.em.clearListeners();
      await expect(repo.retrieve('new')).rejects.toBeInstanceOf(MotifsErrorNotFound);
      expect((await repo.retrieve('keep')).city).toBe('London');
      expect((await repo.findMany({ city: 'London' })).map((r) => r.id)).toEqual(['keep']);
      expect(await repo.findMany({ city: 'Paris' })).toEqual([]);
      expect(afters).toEqual([]);
    });

    it('keeps the write when an after listener throws and reports it on "error"', async () => {
      const repo = await make({ name: 'contacts' });
      const errors: RepoEventError[] = [];
      repo.em.on('error', async (report: RepoEventError) => {
        errors.push(report);
      });
      const boom = new Refused('listener failed');
      for (const op of ['create', 'update', 'delete'] as const) {
        repo.em.on(`contacts.${op}.after`, async () => {
          throw boom;
        });
      }
      const created = await repo.create({ id: 'c', name: 'Ada' });
      expect(await repo.retrieve('c')).toEqual(created);
      expect((await repo.update('c', { name: 'Bo' })).name).toBe('Bo');
      expect((await repo.retrieve('c')).name).toBe('Bo');
      expect(await repo.delete_('c')).toBe(true);
      await expect(repo.retrieve('c')).rejects.toBeInstanceOf(MotifsErrorNotFound);
      expect(errors).toEqual([
        { error: boom, event: 'contacts.create.after', repo: 'contacts' },
        { error: boom, event: 'contacts.update.after', repo: 'contacts' },
        { error: boom, event: 'contacts.delete.after', repo: 'contacts' },
      ]);
    });

    it('still resolves the write when the error listener throws too', async () => {
      const repo = await make({ name: 'contacts' });
      repo.em.on('contacts.create.after', async () => {
        throw new Refused('after');
      });
      repo.em.on('error', async () => {
        throw new Refused('error listener');
      });
      await expect(repo.create({ id: 'c', name: 'Ada' })).resolves.toMatchObject({ id: 'c' });
    });

    it('hands listeners copies: changing a payload changes neither the store nor the result', async () => {
      const repo = await make({ name: 'contacts' });
      repo.em.on('contacts.create.before', async ({ dto }: { dto: Person }) => {
        dto.name = 'changed-before';
      });
      repo.em.on('contacts.create.after', async ({ dto }: { dto: Person }) => {
        dto.name = 'changed-after';
      });
      repo.em.on('contacts.update.before', async ({ dto }: { dto: Partial<Person> }) => {
        dto.city = 'changed';
      });
      const created = await repo.create({ id: 'c', name: 'Ada' });
      expect(created.name).toBe('Ada');
      expect((await repo.retrieve('c')).name).toBe('Ada');
      expect((await repo.update('c', { city: 'Oslo' })).city).toBe('Oslo');
      expect((await repo.retrieve('c')).city).toBe('Oslo');
    });
  });
}
