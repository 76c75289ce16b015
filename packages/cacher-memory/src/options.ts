import type NodeCache from 'node-cache';
import type { CacherBaseOptions } from '@motifs/core';

/** Options of the memory cacher (`makeCacher({ kind: 'memory', memory: { ... } })`). */
export interface MemoryCacherOptions {
  /**
   * Most keys held at once (default: unbounded). When full, writing a new key first drops expired
   * entries; if none expired, the write rejects with `MotifsErrorUnavailable` (`details.reason: 'full'`)
   * and nothing changes. Overwriting an existing key always works.
   */
  maxKeys?: number;
  /** How often expired entries are swept, in ms (default 60 000; 0: only when read). The timer never keeps the process alive. */
  checkPeriodMs?: number;
  /**
   * A node-cache instance to share between cachers (each in its own namespace). It is yours:
   * `close()` leaves it open. Leave unset to get a private one.
   */
  cache?: NodeCache;
}

/** `createCacher` options, as `makeCacher({ kind: 'memory', ... })` receives them. */
export interface MemoryCacherFactoryOptions extends CacherBaseOptions {
  kind?: 'memory';
  memory?: MemoryCacherOptions;
}

declare module '@motifs/core' {
  interface CacherKinds {
    memory: MemoryCacherOptions;
  }
}
