import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MotifsErrorAdapterMissing, MotifsErrorValidation } from './errors.js';

/** The motifs whose kinds are resolved through the registry. */
export type MotifName = 'cacher' | 'repo' | 'listener' | 'publisher';

/** Builds one motif instance from the options given to `makeX({ kind, ... })`. */
export type MotifFactory<M = unknown> = (options: { kind: string } & Record<string, unknown>) => M | Promise<M>;

/**
 * Built-in kinds and the package that provides each. The package must export the factory named in
 * {@link FACTORY_EXPORTS} for that motif. Core never imports these statically.
 */
export const BUILTIN_KINDS: Readonly<Record<MotifName, Readonly<Record<string, string>>>> = {
  cacher: { memory: '@motifs/cacher-memory', redis: '@motifs/cacher-redis' },
  repo: { memory: '@motifs/repo-memory', redis: '@motifs/repo-redis' },
  listener: { memory: '@motifs/listener-memory', kafka: '@motifs/listener-kafka' },
  publisher: { memory: '@motifs/listener-memory', kafka: '@motifs/listener-kafka' },
};

/** The export an adapter package provides for each motif it implements. */
export const FACTORY_EXPORTS: Readonly<Record<MotifName, string>> = {
  cacher: 'createCacher',
  repo: 'createRepo',
  listener: 'createListener',
  publisher: 'createPublisher',
};

const registered: Record<MotifName, Map<string, MotifFactory>> = {
  cacher: new Map(),
  repo: new Map(),
  listener: new Map(),
  publisher: new Map(),
};

/**
 * Adds (or replaces) a kind for a motif. Nothing registers on import: call this yourself.
 * A registered kind wins over the built-in package of the same name.
 * @example
 * registerKind('cacher', 'mine', async (options) => new MyCacher(options));
 */
export function registerKind<M>(motif: MotifName, kind: string, factory: MotifFactory<M>): void {
  if (typeof kind !== 'string' || kind.length === 0) {
    throw new MotifsErrorValidation('kind must be a non-empty string', { issues: [{ path: ['kind'], message: 'required' }] });
  }
  if (typeof factory !== 'function') {
    throw new MotifsErrorValidation('factory must be a function', { issues: [{ path: ['factory'], message: 'required' }] });
  }
  registered[motif].set(kind, factory as MotifFactory);
}

/** Removes a registered kind; returns whether one was there. Built-in kinds stay resolvable. */
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
 * Imports an adapter package: first from core's own location, then from the application's
 * working directory, so strict installs (pnpm) that keep the adapter beside the app still work.
 */
async function importAdapter(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    if (!isModuleNotFound(err, specifier)) throw err;
  }
  let resolved: string;
  try {
    resolved = createRequire(join(process.cwd(), 'package.json')).resolve(specifier);
  } catch {
    return undefined;
  }
  return (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
}

/** Resolves `kind` for `motif` to a factory, importing the adapter package on first use. */
export async function resolveFactory(motif: MotifName, kind: string): Promise<MotifFactory> {
  const own = registered[motif].get(kind);
  if (own) return own;
  const specifier = BUILTIN_KINDS[motif][kind];
  if (!specifier) {
    const known = [...new Set([...Object.keys(BUILTIN_KINDS[motif]), ...registered[motif].keys()])].join(', ');
    throw new MotifsErrorAdapterMissing(
      `unknown ${motif} kind "${kind}" (known: ${known}); add it with registerKind('${motif}', '${kind}', factory)`,
      { kind },
    );
  }
  const mod = await importAdapter(specifier);
  if (!mod) {
    throw new MotifsErrorAdapterMissing(
      `the "${kind}" ${motif} needs ${specifier}, which is not installed: run \`npm i ${specifier}\``,
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

/** Shared body of every `makeX()`: check the options, resolve the kind, build. */
export async function makeMotif<M>(motif: MotifName, options: unknown): Promise<M> {
  if (options === null || typeof options !== 'object' || typeof (options as { kind?: unknown }).kind !== 'string') {
    throw new MotifsErrorValidation(`make${motif[0]!.toUpperCase()}${motif.slice(1)}() needs an options object with a string "kind"`, {
      issues: [{ path: ['kind'], message: 'required string' }],
    });
  }
  const opts = options as { kind: string } & Record<string, unknown>;
  const factory = await resolveFactory(motif, opts.kind);
  return (await factory(opts)) as M;
}
