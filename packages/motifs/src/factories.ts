import type {
  IBaseDto,
  ICacher,
  IListener,
  IPublisher,
  IRepo,
  MakeCacherOptions,
  MakeListenerOptions,
  MakeRepoOptions,
} from '@motifs/core';
import { makeMotif } from '@motifs/core/kit';
import { builtinLoaders } from './builtins.js';

/**
 * Builds a cacher of any built-in kind (`memory`, `redis`) or a kind you registered with `registerKind`.
 * @example
 * const cacher = await makeCacher({ kind: 'redis', namespace: 'app', redis: { url: 'redis://127.0.0.1:6379' } });
 */
export function makeCacher<C extends ICacher = ICacher>(options: MakeCacherOptions): Promise<C> {
  return makeMotif<C>('cacher', options, builtinLoaders);
}

/**
 * Builds a repo of any built-in kind (`memory`, `redis`) or a kind you registered with `registerKind`.
 * @example
 * const contacts = await makeRepo<IContact>({ kind: 'memory', name: 'contacts' });
 */
export function makeRepo<T extends IBaseDto = IBaseDto>(options: MakeRepoOptions): Promise<IRepo<T>> {
  return makeMotif<IRepo<T>>('repo', options, builtinLoaders);
}

/**
 * Builds a listener of any built-in kind (`memory`, `kafka`) or a kind you registered with `registerKind`.
 * @example
 * const mars = await makeListener<IAlienContactCreated>({ kind: 'kafka', channelId: 'mars', kafka: { url: 'localhost:9092' } });
 */
export function makeListener<T = unknown>(options: MakeListenerOptions): Promise<IListener<T>> {
  return makeMotif<IListener<T>>('listener', options, builtinLoaders);
}

/**
 * Builds a publisher for a channel, of any built-in kind (`memory`, `kafka`) or a kind you registered.
 * @example
 * const publisher = await makePublisher<IAlienContactCreated>({ kind: 'memory', channelId: 'mars' });
 */
export function makePublisher<T = unknown>(options: MakeListenerOptions): Promise<IPublisher<T>> {
  return makeMotif<IPublisher<T>>('publisher', options, builtinLoaders);
}
