import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MotifsErrorAdapterMissing, MotifsErrorValidation } from './errors.js';

/** The motifs whose kinds are resolved through the registry. */
export type MotifName = 'cacher' | 'repo' | 'listener' | 'publisher' | 'channelAdmin';

/** Builds one motif instance from the options given to `makeX({ kind, ... })`. */
export type MotifFactory<M = unknown> = (options: { kind: string } & Record<string, unknown>) => M | Promise<M>;

/**
 * Imports one adapter package, written where the package is a dependency so the import resolves
 * from there: `() => import('@motifs/cacher-redis')`.
 */
export type AdapterLoader = () => Promise<object>;

/** Loaders for built-in adapter packages, keyed by package name (see {@link makeMotif}). */
export type AdapterLoaders = Readonly<Partial<Record<string, AdapterLoader>>>;

/**
 * The one map of built-in kinds: motif -> kind -> the package that provides it. The package must
 * export the factory named in {@link FACTORY_EXPORTS} for that motif. Core never imports these
 * statically; see {@link makeMotif} for how a package is found.
 */
export const BUILTIN_KINDS: Readonly<Record<MotifName, Readonly<Record<string, string>>>> = {
  cacher: { memory: '@motifs/cacher-memory', redis: '@motifs/cacher-redis' },
  repo: { memory: '@motifs/repo-memory', redis: '@motifs/repo-redis' },
  listener: { memory: '@motifs/listener-memory', kafka: '@motifs/listener-kafka', redis: '@motifs/listener-redis' },
  publisher: { memory: '@motifs/listener-memory', kafka: '@motifs/listener-kafka', redis: '@motifs/listener-redis' },
  channelAdmin: { memory: '@motifs/listener-memory', kafka: '@motifs/listener-kafka', redis: '@motifs/listener-redis' },
};

/** The export an adapter package provides for each motif it implements. */
export const FACTORY_EXPORTS: Readonly<Record<MotifName, string>> = {
  cacher: 'createCacher',
  repo: 'createRepo',
  listener: 'createListener',
  publisher: 'createPublisher',
  channelAdmin: 'createChannelAdmin',
};

const registered: Record<MotifName, Map<string, MotifFactory>> = {
  cacher: new Map(),
  repo: new Map(),
  listener: new Map(),
  publisher: new Map(),
  channelAdmin: new Map(),
};

/**
 * Adds (or replaces) a kind for a motif. Nothing registers on import: call this yourself.
 * A registered kind wins over the built-in kind of the same name until you unregister it.
 * The factory receives the options given to `makeX()`; an adapter's own factory, typed for its
 * kind's options, fits as it is.
 * @example
 * registerKind('cacher', 'mine', async (options) => new MyCacher(options));
 * registerKind('cacher', 'redis', createCacher); // createCacher from '@motifs/cacher-redis'
 */
export function registerKind<M>(motif: MotifName, kind: string, factory: MotifFactory<M>): void;
export function registerKind<M>(motif: MotifName, kind: string, factory: (options: never) => M | Promise<M>): void;
export function registerKind(motif: MotifName, kind: string, factory: (options: never) => unknown): void {
  if (typeof kind !== 'string' || kind.length === 0) {
    throw new MotifsErrorValidation('kind must be a non-empty string', { issues: [{ path: ['kind'], message: 'required' }] });
  }
  if (typeof factory !== 'function') {
    throw new MotifsErrorValidation('factory must be a function', { issues: [{ path: ['factory'], message: 'required' }] });
  }
  registered[motif].set(kind, factory as MotifFactory);
}

/**
 * Removes a kind you registered; returns whether one was there. Built-in kinds stay resolvable:
 * removing your own `memory` brings the built-in `memory` back.
 */
export function unregisterKind(motif: MotifName, kind: string): boolean {
  return registered[motif].delete(kind);
}

function isModuleNotFound(err: unknown, specifier: string): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  // Only the adapter itself missing counts; a missing transitive dependency is a real error.
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || message.startsWith('Cannot find module'))
    && message.includes(`'${specifier}'`);
}

/**
 * The application's entry module (`process.argv[1]`), unless it lives inside `node_modules`: then
 * it is a tool that runs the application (a test runner, a process manager), not the application.
 */
function applicationEntry(): string | undefined {
  const entry = process.argv[1];
  if (!entry) return undefined;
  let real: string;
  try {
    real = realpathSync(entry);
  } catch {
    return undefined;
  }
  return real.includes(`${sep}node_modules${sep}`) ? undefined : real;
}

/** Where an adapter package is looked for, in order, after core's own location. */
function searchBases(): string[] {
  const entry = applicationEntry();
  return [...(entry ? [entry] : []), join(process.cwd(), 'package.json')];
}

/**
 * Imports an adapter package: from core's own location, then from the application's entry module,
 * then from the working directory. Strict installs (pnpm) keep an adapter beside the application
 * that depends on it, out of core's sight; the second and third steps find it there.
 */
async function importAdapter(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    if (!isModuleNotFound(err, specifier)) throw err;
  }
  for (const base of searchBases()) {
    let resolved: string;
    try {
      resolved = createRequire(base).resolve(specifier);
    } catch {
      continue;
    }
    return (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  }
  return undefined;
}

async function loadAdapter(specifier: string, loaders: AdapterLoaders | undefined): Promise<Record<string, unknown> | undefined> {
  const loader = loaders && Object.hasOwn(loaders, specifier) ? loaders[specifier] : undefined;
  if (!loader) return importAdapter(specifier);
  try {
    return (await loader()) as Record<string, unknown>;
  } catch (err) {
    if (isModuleNotFound(err, specifier)) return undefined;
    throw err;
  }
}

/** Resolves `kind` for `motif` to a factory, importing the adapter package on first use. */
async function resolveFactory(motif: MotifName, kind: string, loaders: AdapterLoaders | undefined): Promise<MotifFactory> {
  const own = registered[motif].get(kind);
  if (own) return own;
  const builtins = BUILTIN_KINDS[motif];
  const specifier = Object.hasOwn(builtins, kind) ? builtins[kind] : undefined;
  if (!specifier) {
    const known = [...new Set([...Object.keys(builtins), ...registered[motif].keys()])].join(', ');
    throw new MotifsErrorAdapterMissing(
      `unknown ${motif} kind "${kind}" (known: ${known}); add it with registerKind('${motif}', '${kind}', factory)`,
      { kind },
    );
  }
  const mod = await loadAdapter(specifier, loaders);
  if (!mod) {
    const entry = applicationEntry();
    throw new MotifsErrorAdapterMissing(
      `the "${kind}" ${motif} needs ${specifier}, which was not found from @motifs/core, `
        + `${entry ? `from the application's entry module (${entry}) ` : ''}or from the working directory (${process.cwd()}): `
        + `run \`npm i ${specifier}\` in your application, or register the kind yourself: `
        + `registerKind('${motif}', '${kind}', ${FACTORY_EXPORTS[motif]}) with ${FACTORY_EXPORTS[motif]} imported from ${specifier}`,
      { kind, packageName: specifier },
    );
  }
  const factory = mod[FACTORY_EXPORTS[motif]];
  if (typeof factory !== 'function') {
    throw new MotifsErrorAdapterMissing(
      `${specifier} does not export ${FACTORY_EXPORTS[motif]}(); install a version that provides a ${motif}`,
      { kind, packageName: specifier },
    );
  }
  return factory as MotifFactory;
}

/**
 * Shared body of every `makeX()`: check the options, resolve the kind, build. A kind resolves to
 * the factory registered with {@link registerKind}, else to its built-in package from
 * {@link BUILTIN_KINDS}: imported through `loaders[package]` when given (a package that depends
 * on the adapters passes `() => import('<adapter>')` thunks, so the import resolves from its own
 * dependencies), otherwise found from core, the application's entry module, then the working
 * directory.
 * @example
 * // in a package that depends on the adapter it names
 * const loaders = { '@motifs/cacher-redis': () => import('@motifs/cacher-redis') };
 * export const makeCacher = (options: MakeCacherOptions) => makeMotif<ICacher>('cacher', options, loaders);
 */
export async function makeMotif<M>(motif: MotifName, options: unknown, loaders?: AdapterLoaders): Promise<M> {
  if (options === null || typeof options !== 'object' || typeof (options as { kind?: unknown }).kind !== 'string') {
    throw new MotifsErrorValidation(`make${motif[0]!.toUpperCase()}${motif.slice(1)}() needs an options object with a string "kind"`, {
      issues: [{ path: ['kind'], message: 'required string' }],
    });
  }
  const opts = options as { kind: string } & Record<string, unknown>;
  const factory = await resolveFactory(motif, opts.kind, loaders);
  return (await factory(opts)) as M;
}
