import type * as CacherMemory from '@motifs/cacher-memory';
import type * as CacherRedis from '@motifs/cacher-redis';
import { FACTORY_EXPORTS, MotifsErrorAdapterMissing, registerKind, type MotifFactory, type MotifName } from '@motifs/core';
import type * as ListenerKafka from '@motifs/listener-kafka';
import type * as ListenerMemory from '@motifs/listener-memory';
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
}

type Loader = () => Promise<Record<string, unknown>>;

// Literal specifiers resolve from this package's own location (its dependencies), which matters
// under strict installs (pnpm) where core cannot see packages it does not depend on. Nothing is
// imported until a kind is first built, so importing `motifs` never loads ioredis or kafkajs.
const loaders: Record<keyof BuiltinAdapterModules, Loader> = {
  '@motifs/cacher-memory': () => import('@motifs/cacher-memory'),
  '@motifs/cacher-redis': () => import('@motifs/cacher-redis'),
  '@motifs/repo-memory': () => import('@motifs/repo-memory'),
  '@motifs/repo-redis': () => import('@motifs/repo-redis'),
  '@motifs/listener-memory': () => import('@motifs/listener-memory'),
  '@motifs/listener-kafka': () => import('@motifs/listener-kafka'),
};

/** Every built-in kind of every motif and the package that provides it. */
export const BUILTIN_ADAPTERS: Readonly<Record<MotifName, Readonly<Record<string, keyof BuiltinAdapterModules>>>> = {
  cacher: { memory: '@motifs/cacher-memory', redis: '@motifs/cacher-redis' },
  repo: { memory: '@motifs/repo-memory', redis: '@motifs/repo-redis' },
  listener: { memory: '@motifs/listener-memory', kafka: '@motifs/listener-kafka' },
  publisher: { memory: '@motifs/listener-memory', kafka: '@motifs/listener-kafka' },
};

/** A factory that imports the adapter on its first call and hands it the `makeX()` options. */
function lazyFactory(motif: MotifName, kind: string, specifier: keyof BuiltinAdapterModules): MotifFactory {
  return async (options) => {
    const mod = await loaders[specifier]();
    const factory = mod[FACTORY_EXPORTS[motif]];
    if (typeof factory !== 'function') {
      throw new MotifsErrorAdapterMissing(`${specifier} does not export ${FACTORY_EXPORTS[motif]}()`, { kind, packageName: specifier });
    }
    return (factory as MotifFactory)(options);
  };
}

let registered = false;

/**
 * Registers the built-in kinds with core's registry (once; later calls do nothing). The
 * `makeX()` and `registerKind()` exported by `motifs` call it first, so it never runs on import
 * and a kind you register yourself always replaces the built-in one.
 */
export function registerBuiltinKinds(): void {
  if (registered) return;
  registered = true;
  for (const [motif, kinds] of Object.entries(BUILTIN_ADAPTERS) as [MotifName, Record<string, keyof BuiltinAdapterModules>][]) {
    for (const [kind, specifier] of Object.entries(kinds)) registerKind(motif, kind, lazyFactory(motif, kind, specifier));
  }
}

/** Puts one built-in kind back after it was unregistered (a no-op for other kinds). */
export function restoreBuiltinKind(motif: MotifName, kind: string): void {
  const specifier = BUILTIN_ADAPTERS[motif][kind];
  if (registered && specifier) registerKind(motif, kind, lazyFactory(motif, kind, specifier));
}
