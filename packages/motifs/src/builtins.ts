import type { AdapterLoaders } from '@motifs/core/kit';
import type * as CacherMemory from '@motifs/cacher-memory';
import type * as CacherRedis from '@motifs/cacher-redis';
import type * as ListenerKafka from '@motifs/listener-kafka';
import type * as ListenerMemory from '@motifs/listener-memory';
import type * as ListenerRedis from '@motifs/listener-redis';
import type * as RepoMemory from '@motifs/repo-memory';
import type * as RepoRedis from '@motifs/repo-redis';

/**
 * The adapter modules this package ships with. Referencing their types here is what brings each
 * adapter's `declare module '@motifs/core'` kind augmentation into a user's program, so
 * `makeCacher({ kind: 'redis', redis: { url } })` type-checks with only `motifs` imported.
 */
export interface BuiltinAdapterModules {
  '@motifs/cacher-memory': typeof CacherMemory;
  '@motifs/cacher-redis': typeof CacherRedis;
  '@motifs/repo-memory': typeof RepoMemory;
  '@motifs/repo-redis': typeof RepoRedis;
  '@motifs/listener-memory': typeof ListenerMemory;
  '@motifs/listener-kafka': typeof ListenerKafka;
  '@motifs/listener-redis': typeof ListenerRedis;
}

/**
 * How each built-in adapter is imported. The literal specifiers resolve from this package's own
 * dependencies, which is what strict installs (pnpm) need: core cannot see packages it does not
 * depend on. Core's kind map decides which package a kind needs; nothing is imported until a kind
 * is first built, so importing `motifs` loads neither ioredis nor kafkajs.
 */
export const builtinLoaders = {
  '@motifs/cacher-memory': () => import('@motifs/cacher-memory'),
  '@motifs/cacher-redis': () => import('@motifs/cacher-redis'),
  '@motifs/repo-memory': () => import('@motifs/repo-memory'),
  '@motifs/repo-redis': () => import('@motifs/repo-redis'),
  '@motifs/listener-memory': () => import('@motifs/listener-memory'),
  '@motifs/listener-kafka': () => import('@motifs/listener-kafka'),
  '@motifs/listener-redis': () => import('@motifs/listener-redis'),
} satisfies AdapterLoaders & { [K in keyof BuiltinAdapterModules]: () => Promise<BuiltinAdapterModules[K]> };
