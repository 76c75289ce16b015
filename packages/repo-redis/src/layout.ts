import { channelStreamKey, repoKeyPrefix } from '@motifs/core/kit';

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
 * - `{ns:name}:ver`: with a change feed, a hash of id -> the record's write count (the change's
 *   `version`); kept after a delete, so a re-created id continues its count
 * - `{ns:name}:ch:<channelId>`: with a change feed, the channel's stream (core `channel-layout.ts`):
 *   one entry per committed write, `v` = the change as JSON, `k` = the id. The channel id is the
 *   repo's name or starts with `<name>.`, so the stream's hash tag is the repo's own.
 */
export class RepoLayout {
  /** `{ns:name}:`, the start of every key. */
  readonly prefix: string;
  readonly ids: string;
  readonly meta: string;
  /** Write counts per id (change feed versions). */
  readonly ver: string;

  constructor(readonly namespace: string, name: string) {
    this.prefix = repoKeyPrefix(namespace, name);
    this.ids = `${this.prefix}ids`;
    this.meta = `${this.prefix}meta`;
    this.ver = `${this.prefix}ver`;
  }

  /** The stream of the change feed channel `channelId` (in the repo's namespace and slot). */
  changes(channelId: string): string {
    return channelStreamKey(this.namespace, channelId);
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
