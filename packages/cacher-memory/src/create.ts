import type { CacherBaseSettings } from '@motifs/core/kit';
import { MemoryCacher } from './memory-cacher.js';
import type { MemoryCacherFactoryOptions, MemoryCacherOptions } from './options.js';

/**
 * The factory `makeCacher({ kind: 'memory', ... })` calls.
 * @example
 * const cacher = await createCacher({ kind: 'memory', namespace: 'app', memory: { maxKeys: 10_000 } });
 */
export async function createCacher(options: MemoryCacherFactoryOptions = {}): Promise<MemoryCacher> {
  return new MemoryCacher({ ...options.memory, namespace: options.namespace, logger: options.logger });
}

/**
 * Builds an in-memory cacher directly (tree-shakable; no registry lookup).
 * @example
 * const cacher = createMemoryCacher({ namespace: 'contacts', maxKeys: 10_000, logger: console });
 * await cacher.setItem('contacts/1', { name: 'Ada' }, 60_000);
 */
export function createMemoryCacher(options: MemoryCacherOptions & CacherBaseSettings = {}): MemoryCacher {
  return new MemoryCacher(options);
}
