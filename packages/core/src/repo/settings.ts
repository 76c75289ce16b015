import { MotifsErrorValidation } from '../errors.js';
import { describeType, isWellFormedText } from '../keys.js';

/** Repo names: letters, digits, `_` and `-`, so event names and storage keys stay unambiguous. */
export const REPO_NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Namespace used when none is given. */
export const DEFAULT_REPO_NAMESPACE = 'motifs';

/** A repo's `name`, `namespace` and `indexes` after validation. */
export interface RepoSettings {
  name: string;
  namespace: string;
  indexes: readonly string[];
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
  return { name, namespace, indexes: [...seen] };
}
