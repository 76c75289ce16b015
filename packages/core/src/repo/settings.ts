import { MotifsErrorValidation } from '../errors.js';
import { describeType, isWellFormedText } from '../keys.js';
import { assertRedisChannelId } from '../redis/channel-layout.js';

/** Repo names: letters, digits, `_` and `-`, so event names and storage keys stay unambiguous. */
export const REPO_NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Namespace used when none is given. */
export const DEFAULT_REPO_NAMESPACE = 'motifs';

/** A repo's change feed after validation (see `RepoChangesOptions`). */
export interface RepoChangesSettings {
  /** The channel: the repo's name, or `<name>.` followed by more. */
  channelId: string;
}

/** A repo's `name`, `namespace`, `indexes` and `changes` after validation. */
export interface RepoSettings {
  name: string;
  namespace: string;
  indexes: readonly string[];
  /** The change feed, when `changes` is given. */
  changes?: RepoChangesSettings | undefined;
}

/** A validation error with one issue at `path`. */
export function invalid(message: string, path: (string | number)[], issue = message): MotifsErrorValidation {
  return new MotifsErrorValidation(message, { issues: [{ path, message: issue }] });
}

/** An object literal or `Object.create(null)`: not an array, a class instance or a boxed value. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const UNSAFE_FIELDS = new Set(['__proto__', 'constructor', 'prototype']);

/** A field name usable in conditions, orderBy and indexes (a Redis hash field, UTF-8). */
export function assertField(field: unknown, path: (string | number)[]): asserts field is string {
  if (typeof field !== 'string' || field.length === 0 || field.length > 256) {
    throw invalid('a field name must be a string of 1 to 256 characters', path);
  }
  if (UNSAFE_FIELDS.has(field)) throw invalid(`the field name "${field}" is not allowed`, path);
  // 'a\ud800' would become 'a\ufffd' in UTF-8 and collide with 'a\udc00'.
  if (!isWellFormedText(field)) throw invalid('a field name must not contain a lone surrogate (not well-formed UTF-16)', path);
}

/**
 * Checks `name`, `namespace` and `indexes` of a repo's options. {@link RepoBase} calls it; an
 * adapter factory calls it too when it must reject bad options before opening a connection.
 * @throws MotifsErrorValidation naming the bad option
 * @example
 * normalizeRepoSettings({ name: 'contacts', indexes: ['lastName'] }); // { name, namespace: 'motifs', indexes }
 */
export function normalizeRepoSettings(options: unknown): RepoSettings {
  if (!isPlainObject(options)) throw invalid(`repo options must be an object, got ${describeType(options)}`, []);
  const { name, namespace = DEFAULT_REPO_NAMESPACE, indexes = [] } = options as Record<string, unknown>;
  if (typeof name !== 'string' || !REPO_NAME_PATTERN.test(name)) {
    throw invalid(`repo name must match ${REPO_NAME_PATTERN}, got ${JSON.stringify(name) ?? describeType(name)}`, ['name']);
  }
  // Braces would break the Redis hash tag that keeps one repo's keys in one cluster slot.
  if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 256 || /[{}]/.test(namespace)) {
    throw invalid('namespace must be a string of 1 to 256 characters without "{" or "}"', ['namespace']);
  }
  if (!isWellFormedText(namespace)) throw invalid('namespace must not contain a lone surrogate (not well-formed UTF-16)', ['namespace']);
  if (!Array.isArray(indexes)) throw invalid('indexes must be an array of field names', ['indexes']);
  const seen = new Set<string>();
  indexes.forEach((field: unknown, i) => {
    assertField(field, ['indexes', i]);
    if (seen.has(field)) throw invalid(`index "${field}" is listed twice`, ['indexes', i]);
    seen.add(field);
  });
  const changes = normalizeRepoChanges((options as Record<string, unknown>).changes, name);
  return { name, namespace, indexes: [...seen], changes };
}

/**
 * Checks a repo's `changes` option. The channel id must be a channel id every channel kind takes
 * and must be the repo's name or start with `<name>.`: then a Redis stream of the channel shares
 * the repo's cluster slot (hash tag `{namespace:name}`), so the write and its change message go
 * in one script on every topology, and the rule is the same on every backend.
 * @throws MotifsErrorValidation at `['changes']` or `['changes', 'channelId']`
 * @example
 * normalizeRepoChanges({ channelId: 'contacts.changes' }, 'contacts'); // { channelId: 'contacts.changes' }
 */
export function normalizeRepoChanges(changes: unknown, name: string): RepoChangesSettings | undefined {
  if (changes === undefined) return undefined;
  if (!isPlainObject(changes)) throw invalid(`changes must be an object like { channelId: '${name}.changes' }, got ${describeType(changes)}`, ['changes']);
  const { channelId } = changes;
  try {
    assertRedisChannelId(channelId, 'changes.channelId');
  } catch {
    throw invalid(
      `changes.channelId must be a channel id (letters, digits, ".", "_", "-"; not starting with "."), got ${typeof channelId === 'string' ? JSON.stringify(channelId) : describeType(channelId)}`,
      ['changes', 'channelId'],
    );
  }
  if (channelId !== name && !channelId.startsWith(`${name}.`)) {
    throw invalid(
      `changes.channelId must be the repo's name "${name}" or start with "${name}." (e.g. "${name}.changes"), got ${JSON.stringify(channelId)}: the feed then shares the repo's Redis Cluster slot`,
      ['changes', 'channelId'],
      `must be "${name}" or start with "${name}."`,
    );
  }
  return { channelId };
}
