import { repoKeyPrefix } from '@motifs/core/kit';

/**
 * Where a repo keeps its data, in the key grammar every motif shares (core `key-layout.ts`).
 * Every key starts with the hash tag `{<namespace>:<name>}`, so one repo's keys share a cluster
 * slot (its Lua scripts touch several) and no other repo's key can start the same way (names
 * cannot contain ":", namespaces cannot contain braces). A cacher's keys start with
 * `motifs:cache:`, never with `{`, so no cacher namespace or key can spell one of these.
 *
 * - `{ns:name}:rec:<id>`: the record, a hash of field -> JSON text of the value
 * - `{ns:name}:ids`: a set of every id
 * - `{ns:name}:idx:<JSON field>:<JSON value>`: a set of the ids whose indexed field equals the value
 * - `{ns:name}:zidx:<JSON field>`: a sorted set of id by the field's value, when it is a number
 * - `{ns:name}:meta`: a hash; `indexes` holds the JSON list of indexed fields the data was written with
 */
export class RepoLayout {
  /** `{ns:name}:`, the start of every key. */
  readonly prefix: string;
  readonly ids: string;
  readonly meta: string;

  constructor(namespace: string, name: string) {
    this.prefix = repoKeyPrefix(namespace, name);
    this.ids = `${this.prefix}ids`;
    this.meta = `${this.prefix}meta`;
  }

  rec(id: string): string {
    return `${this.prefix}rec:${id}`;
  }

  /** `valueJson` is the JSON text of the value: `"a"` and `1` and `true` never share a set. */
  idx(field: string, valueJson: string): string {
    return `${this.prefix}idx:${JSON.stringify(field)}:${valueJson}`;
  }

  zidx(field: string): string {
    return `${this.prefix}zidx:${JSON.stringify(field)}`;
  }
}
