import { MotifsErrorValidation } from '../errors.js';
import { CACHER_NAMESPACE_END, cacherKeyPrefix } from '../key-layout.js';
import { MAX_EXPIRY_MS, MAX_KEY_LENGTH, assertWellFormed, describeType } from '../keys.js';

/** Longest namespace a cacher accepts. */
export const MAX_NAMESPACE_LENGTH = 128;

/** Ends the namespace in a backend key (`motifs:cache:<namespace>:<key>`); a namespace cannot contain it. */
export const NAMESPACE_SEPARATOR = CACHER_NAMESPACE_END;

/**
 * Validates a namespace and returns the prefix of every backend key: `motifs:cache:<namespace>:`,
 * `motifs:cache::` without a namespace (see `key-layout.ts`). A namespace cannot contain `:`, so
 * `a` + key `b:c` can never collide with `a:b` + key `c`, and no cacher, namespaced or not, can
 * spell a repo's key or one another application wrote without the marker.
 * @throws MotifsErrorValidation for a non-string, an over-long namespace or one containing `:`
 */
export function namespacePrefix(namespace: unknown): string {
  if (namespace === undefined || namespace === '') return cacherKeyPrefix('');
  if (typeof namespace !== 'string') {
    throw new MotifsErrorValidation(`namespace must be a string, got ${describeType(namespace)}`, {
      issues: [{ path: ['namespace'], message: 'must be a string' }],
    });
  }
  if (namespace.length > MAX_NAMESPACE_LENGTH || namespace.includes(NAMESPACE_SEPARATOR)) {
    throw new MotifsErrorValidation(`namespace must be at most ${MAX_NAMESPACE_LENGTH} characters without "${NAMESPACE_SEPARATOR}"`, {
      issues: [{ path: ['namespace'], message: `at most ${MAX_NAMESPACE_LENGTH} characters, no "${NAMESPACE_SEPARATOR}"` }],
    });
  }
  assertWellFormed(namespace, 'namespace');
  return cacherKeyPrefix(namespace);
}

/** Start of every key of a cacher whose namespace is a Redis Cluster hash tag: `motifs:cache{`. */
export const CACHER_TAGGED_KEY_MARKER = 'motifs:cache{';

/**
 * The key prefix of a cacher whose namespace is its Redis Cluster hash tag: `motifs:cache{<namespace>}:`,
 * so all its keys share one slot. It cannot meet an untagged cacher's keys (those have `:` where
 * this has `{`), a repo's (those start with `{`), or another tagged namespace's (the namespace
 * holds no braces, so the first `}` ends it). Without a namespace the prefix is `motifs:cache{}:`:
 * Redis ignores an empty tag, so those keys spread over the cluster like untagged ones.
 * @throws MotifsErrorValidation for a namespace with `{` or `}` (or one {@link namespacePrefix} refuses)
 * @example
 * taggedNamespacePrefix('sessions') // 'motifs:cache{sessions}:'
 */
export function taggedNamespacePrefix(namespace: unknown): string {
  namespacePrefix(namespace);
  if (namespace === undefined) return `${CACHER_TAGGED_KEY_MARKER}}${NAMESPACE_SEPARATOR}`;
  if (typeof namespace !== 'string' || /[{}]/.test(namespace)) {
    throw new MotifsErrorValidation('a hash-tagged namespace must not contain "{" or "}"', {
      issues: [{ path: ['namespace'], message: 'no "{" or "}" (it becomes the Redis Cluster hash tag)' }],
    });
  }
  return `${CACHER_TAGGED_KEY_MARKER}${namespace}}${NAMESPACE_SEPARATOR}`;
}

/**
 * Throws {@link MotifsErrorValidation} unless `prefix` is a string of at most
 * {@link MAX_KEY_LENGTH} characters. The empty prefix is allowed: it matches every key.
 */
export function assertPrefix(prefix: unknown, what = 'keyPrefix'): asserts prefix is string {
  if (typeof prefix !== 'string' || prefix.length > MAX_KEY_LENGTH) {
    throw new MotifsErrorValidation(`${what} must be a string of at most ${MAX_KEY_LENGTH} characters`, {
      issues: [{ path: [what], message: `string of 0..${MAX_KEY_LENGTH} characters` }],
    });
  }
  assertWellFormed(prefix, what);
}

/** Validates `staleMs`: 0 to {@link MAX_EXPIRY_MS} ms (rounded up), `Infinity` allowed; `undefined` means 0. */
export function normalizeStaleMs(staleMs: unknown): number {
  if (staleMs === undefined) return 0;
  if (staleMs === Infinity) return Infinity;
  if (typeof staleMs !== 'number' || !(staleMs >= 0 && staleMs <= MAX_EXPIRY_MS)) {
    throw new MotifsErrorValidation(`staleMs must be 0 to ${MAX_EXPIRY_MS} ms or Infinity, got ${String(staleMs)}`, {
      issues: [{ path: ['staleMs'], message: `must be >= 0 and <= ${MAX_EXPIRY_MS}, or Infinity` }],
    });
  }
  return Math.ceil(staleMs);
}

/** Sets an own property, even `__proto__`, without touching the prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * Validates `setItem`'s options and returns `ifAbsent`.
 * @throws MotifsErrorValidation for a non-object or a non-boolean `ifAbsent`
 */
export function readSetItemOptions(options: unknown): boolean {
  if (options === undefined) return false;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new MotifsErrorValidation(`setItem options must be an object, got ${describeType(options)}`, {
      issues: [{ path: ['options'], message: 'must be an object' }],
    });
  }
  const { ifAbsent } = options as { ifAbsent?: unknown };
  if (ifAbsent !== undefined && typeof ifAbsent !== 'boolean') {
    throw new MotifsErrorValidation(`ifAbsent must be a boolean, got ${describeType(ifAbsent)}`, {
      issues: [{ path: ['options', 'ifAbsent'], message: 'must be a boolean' }],
    });
  }
  return ifAbsent === true;
}
