import type { FlatSend } from './flat-command.js';
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
  /** Sends a command without ioredis' argument copy, when the client allows it (see flat-command.ts): every script call takes it. */
  readonly send: FlatSend | undefined;
}
