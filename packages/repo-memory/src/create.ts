import type { IBaseDto, IRepo } from '@motifs/core/kit';
import { MemoryRepo } from './memory-repo.js';
import type { MemoryRepoOptions } from './options.js';

/**
 * The factory `makeRepo({ kind: 'memory', ... })` calls.
 * @throws MotifsErrorValidation for a bad name, namespace or indexes list
 */
export function createRepo<T extends IBaseDto = IBaseDto>(options: MemoryRepoOptions): IRepo<T> {
  return new MemoryRepo<T>(options);
}

/**
 * Builds an in-memory repo directly (tree-shakable, no registry lookup).
 * @example
 * const contacts = createMemoryRepo<IContact>({ name: 'contacts', indexes: ['lastName'] });
 * contacts.em.on('contacts.create.after', async ({ dto }) => console.log('created', dto.id));
 * await contacts.create({ firstName: 'Ada', lastName: 'Lovelace', dob: '1815-12-10' });
 */
export function createMemoryRepo<T extends IBaseDto = IBaseDto>(options: Omit<MemoryRepoOptions, 'kind'>): MemoryRepo<T> {
  return new MemoryRepo<T>({ ...options, kind: 'memory' });
}
