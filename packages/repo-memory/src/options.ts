import type { IPublisher, RepoBaseOptions, RepoChange } from '@motifs/core';

/** Options under the `memory` key. */
export interface MemoryRepoKindOptions {
  /**
   * The publisher of the change feed (`changes`), when you want another than the default: a
   * memory publisher of `changes.channelId` made on first write with
   * `makePublisher({ kind: 'memory', channelId })` (needs `@motifs/listener-memory`). It must
   * publish to `changes.channelId`; the repo does not close it. A publisher that appends before
   * `publish()` returns (the memory one) keeps the channel in commit order.
   */
  publisher?: IPublisher<RepoChange>;
}

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
