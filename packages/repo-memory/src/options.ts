import type { RepoBaseOptions } from '@motifs/core';

/**
 * Options under the `memory` key. There are none yet: the memory repo keeps records in a `Map`
 * of JSON texts and needs no tuning.
 */
export type MemoryRepoKindOptions = Record<string, never>;

/** What `createRepo` / `makeRepo({ kind: 'memory', ... })` take. */
export interface MemoryRepoOptions extends RepoBaseOptions {
  kind?: 'memory';
  memory?: MemoryRepoKindOptions;
}

declare module '@motifs/core' {
  interface RepoKinds {
    memory: MemoryRepoKindOptions;
  }
}
