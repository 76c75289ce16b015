/**
 * The one Redis key grammar of every motif. Every key a motif writes has one of two shapes, told
 * apart by its first character, so no motif's key can ever equal or fall under another's:
 *
 * ```text
 * cacher key  = "motifs:cache:" namespace ":" key        namespace: no ":" ("" = no namespace)
 * repo key    = "{" namespace ":" name "}:" rest         namespace: no "{" or "}"; name: [A-Za-z0-9_-]
 * ```
 *
 * - A cacher key starts with `m`, a repo key with `{`: the two sets are disjoint whatever the
 *   names. The cacher's namespace has no `:`, so the first `:` after the marker ends it and
 *   `(namespace, key)` can be read back from the key; the key comes last, so a cacher's keys are
 *   exactly the keys that start with its prefix. A cacher without a namespace uses the empty
 *   namespace (`motifs:cache::<key>`): it never sees a namespaced cacher's keys, a repo's keys or
 *   another application's keys.
 * - A repo's namespace has no braces and its name no `:` or braces, so `{namespace:name}` is read
 *   back unambiguously and is the key's Redis Cluster hash tag: a repo's keys share one slot (its
 *   Lua scripts touch several). Cacher keys carry no hash tag of their own; braces in a cacher's
 *   namespace or key may pick a slot, never an identity.
 * - Listings stay inside the owner's prefix: `SCAN MATCH` gets the prefix with its glob characters
 *   escaped (`escapeGlob`), then `*` or the caller's glob.
 *
 * The `motifs:cache:` marker is reserved: other software must not write keys starting with it.
 */

/** First characters of every key a cacher writes. */
export const CACHER_KEY_MARKER = 'motifs:cache:';

/** Ends a cacher namespace inside a key; a cacher namespace cannot contain it. */
export const CACHER_NAMESPACE_END = ':';

/**
 * The start of every key of the cacher in `namespace` (`''` for a cacher without one). Expects a
 * namespace already checked by `namespacePrefix`.
 * @example
 * cacherKeyPrefix('app') // 'motifs:cache:app:'
 * cacherKeyPrefix('')    // 'motifs:cache::'
 */
export function cacherKeyPrefix(namespace: string): string {
  return CACHER_KEY_MARKER + namespace + CACHER_NAMESPACE_END;
}

/**
 * The start of every key of a repo (its hash tag, then `:`). Expects a namespace and name already
 * checked by `normalizeRepoSettings`.
 * @example
 * repoKeyPrefix('motifs', 'contacts') // '{motifs:contacts}:'
 */
export function repoKeyPrefix(namespace: string, name: string): string {
  return `{${namespace}:${name}}:`;
}
