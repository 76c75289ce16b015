import { MotifsErrorValidation, describeType } from '@motifs/core/kit';
import type { MemoryRepoKindOptions } from './options.js';

/**
 * Checks the `memory` options object.
 * @throws MotifsErrorValidation when it is not an object
 */
export function readMemoryOptions(memory: unknown): MemoryRepoKindOptions {
  if (memory === undefined) return {};
  if (memory === null || typeof memory !== 'object' || Array.isArray(memory)) {
    throw new MotifsErrorValidation(`memory options must be an object, got ${describeType(memory)}`, { issues: [{ path: ['memory'], message: 'must be an object' }] });
  }
  return memory as MemoryRepoKindOptions;
}
