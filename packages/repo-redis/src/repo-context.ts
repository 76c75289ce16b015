import type { RepoLayout } from './layout.js';
import type { RedisIo } from './redis-io.js';

/** What the read, write and reindex steps of one {@link RedisRepo} share. */
export interface RepoContext {
  readonly name: string;
  readonly namespace: string;
  readonly layout: RepoLayout;
  readonly io: RedisIo;
  /** The indexed fields this instance declares. */
  readonly indexes: readonly string[];
  readonly indexSet: ReadonlySet<string>;
  /** The index list as stored in the meta hash: sorted JSON. */
  readonly declared: string;
}
