import * as core from '@motifs/core';
import type {
  IBaseDto,
  ICacher,
  IListener,
  IPublisher,
  IRepo,
  MakeCacherOptions,
  MakeListenerOptions,
  MakeRepoOptions,
  MotifFactory,
  MotifName,
} from '@motifs/core';
import { BUILTIN_ADAPTERS, registerBuiltinKinds, restoreBuiltinKind } from './builtins.js';

// Built-in kinds the user replaced through this package's registerKind, so unregisterKind can
// tell an override (removable) from the built-in itself (always available).
const overridden = new Set<string>();

/**
 * Builds a cacher of any built-in kind (`memory`, `redis`) or a kind you registered.
 * @example
 * const cacher = await makeCacher({ kind: 'redis', namespace: 'app', redis: { url: 'redis://127.0.0.1:6379' } });
 */
export function makeCacher<C extends ICacher = ICacher>(options: MakeCacherOptions): Promise<C> {
  registerBuiltinKinds();
  return core.makeCacher<C>(options);
}

/**
 * Builds a repo of any built-in kind (`memory`, `redis`) or a kind you registered.
 * @example
 * const contacts = await makeRepo<IContact>({ kind: 'memory', name: 'contacts' });
 */
export function makeRepo<T extends IBaseDto = IBaseDto>(options: MakeRepoOptions): Promise<IRepo<T>> {
  registerBuiltinKinds();
  return core.makeRepo<T>(options);
}

/**
 * Builds a listener of any built-in kind (`memory`, `kafka`) or a kind you registered.
 * @example
 * const mars = await makeListener<IAlienContactCreated>({ kind: 'kafka', channelId: 'mars', kafka: { url: 'localhost:9092' } });
 */
export function makeListener<T = unknown>(options: MakeListenerOptions): Promise<IListener<T>> {
  registerBuiltinKinds();
  return core.makeListener<T>(options);
}

/**
 * Builds a publisher for a channel, of any built-in kind (`memory`, `kafka`) or a kind you registered.
 * @example
 * const publisher = await makePublisher<IAlienContactCreated>({ kind: 'memory', channelId: 'mars' });
 */
export function makePublisher<T = unknown>(options: MakeListenerOptions): Promise<IPublisher<T>> {
  registerBuiltinKinds();
  return core.makePublisher<T>(options);
}

/**
 * Adds or replaces a kind, like core's `registerKind`; a kind registered here wins over the
 * built-in kind of the same name.
 * @example
 * registerKind('cacher', 'mine', async (options) => new MyCacher(options));
 */
export function registerKind<M>(motif: MotifName, kind: string, factory: MotifFactory<M>): void {
  registerBuiltinKinds();
  core.registerKind(motif, kind, factory);
  overridden.add(`${motif}:${kind}`);
}

/**
 * Removes a kind you registered; returns whether you had registered one. Built-in kinds stay
 * available: removing your override of `memory` brings the built-in `memory` back.
 */
export function unregisterKind(motif: MotifName, kind: string): boolean {
  if (!BUILTIN_ADAPTERS[motif][kind]) return core.unregisterKind(motif, kind);
  if (!overridden.delete(`${motif}:${kind}`)) return false;
  core.unregisterKind(motif, kind);
  restoreBuiltinKind(motif, kind);
  return true;
}
