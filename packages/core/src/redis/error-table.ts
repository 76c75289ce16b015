/**
 * The one table of how a native Redis failure (an ioredis error, a server reply error, a socket
 * error) becomes a motifs error, shared by every Redis package. {@link mapRedisError} reads it.
 */

/** The motifs error class a row maps to. */
export type RedisErrorKind = 'timeout' | 'unavailable' | 'conflict' | 'error';

/** How a native error is recognised; a row has exactly one of these. */
export type RedisErrorMatch =
  /** The first word of a server reply (`LOADING Redis is loading ...`). */
  | { reply: string }
  /** The error's `name` (`MaxRetriesPerRequestError`). */
  | { name: string }
  /** A socket error code (`err.code`, or the code quoted in the message: `connect ECONNREFUSED ...`). */
  | { code: string }
  /** The start of the error's message (`Connection is closed.`). */
  | { prefix: string };

/** One row of the table. */
export interface RedisErrorRow {
  match: RedisErrorMatch;
  kind: RedisErrorKind;
  /** Whether the same call may succeed if tried again (as it is, later). */
  retryable: boolean;
  /**
   * The command certainly did not run: the client never sent it, or the server refused it before
   * running any of it. A failed write is then reported with a known outcome; otherwise a write
   * that failed retryably is `outcomeUnknown`.
   */
  changedNothing: boolean;
  /** What the caller is told (the native message follows it). */
  message: string;
}

const row = (match: RedisErrorMatch, kind: RedisErrorKind, retryable: boolean, changedNothing: boolean, message: string): RedisErrorRow =>
  Object.freeze({ match: Object.freeze(match), kind, retryable, changedNothing, message });

const CANNOT_REACH = 'Redis cannot be reached';
const NOT_NOW = 'Redis cannot serve the call now';

/**
 * The rows, first match wins. Rows are matched in this order of evidence: the error name, the
 * socket code, the message prefix, then the reply word.
 */
export const REDIS_ERROR_TABLE: readonly RedisErrorRow[] = Object.freeze([
  // The client's own timeout: the call may be running on the server.
  row({ prefix: 'Command timed out' }, 'timeout', true, false, 'Redis did not answer in time'),

  // The client refused to send: no connection and no offline queue. Nothing left the process.
  row({ prefix: "Stream isn't writeable" }, 'unavailable', true, true, CANNOT_REACH),
  row({ prefix: "Cluster isn't ready and enableOfflineQueue options is false" }, 'unavailable', true, true, CANNOT_REACH),

  // The connection failed or dropped while the call was pending: it may have run.
  row({ name: 'MaxRetriesPerRequestError' }, 'unavailable', true, false, CANNOT_REACH),
  ...['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED'].map((code) =>
    row({ code }, 'unavailable', true, false, CANNOT_REACH)),
  row({ prefix: 'Connection is closed' }, 'unavailable', true, false, CANNOT_REACH),
  row({ prefix: 'Command aborted due to connection close' }, 'unavailable', true, false, CANNOT_REACH),
  row({ prefix: 'Socket closed unexpectedly' }, 'unavailable', true, false, CANNOT_REACH),
  row({ prefix: 'Socket timeout' }, 'unavailable', true, false, CANNOT_REACH),
  row({ prefix: 'Reached the max retries' }, 'unavailable', true, false, CANNOT_REACH),

  // Redis Cluster, as the ioredis Cluster client reports it during a failover or a slot migration.
  // Retryable: the cluster heals (a replica is promoted, the slot map is refreshed). A redirection
  // loop may end on a lost connection, so its outcome is unknown.
  row({ prefix: 'Too many Cluster redirections' }, 'unavailable', true, false, 'Redis Cluster is failing over'),
  row({ name: 'ClusterAllFailedError' }, 'unavailable', true, false, 'Redis Cluster is failing over'),
  row({ prefix: 'Failed to refresh slots cache' }, 'unavailable', true, false, 'Redis Cluster is failing over'),
  row({ prefix: 'None of startup nodes is available' }, 'unavailable', true, false, CANNOT_REACH),
  row({ prefix: 'Node is disconnected' }, 'unavailable', true, false, CANNOT_REACH),
  row({ prefix: 'Cluster is disconnected' }, 'unavailable', true, false, CANNOT_REACH),
  // Sentinel: while a failover is under way the sentinels may name a master that is gone (seen
  // with kill -9 of the master); the client asks them again.
  row({ prefix: 'All sentinels are unreachable' }, 'unavailable', true, false, 'Redis Sentinel is failing over'),
  row({ prefix: 'Failed to connect to sentinel' }, 'unavailable', true, false, 'Redis Sentinel is failing over'),

  // Replies Redis gives before running a command, whatever the command (so a write changed
  // nothing): loading a dataset, a script blocking the server, a cluster without quorum or in
  // mid-migration, a replica cut off from its master. All pass.
  row({ reply: 'LOADING' }, 'unavailable', true, true, NOT_NOW),
  row({ reply: 'BUSY' }, 'unavailable', true, true, NOT_NOW),
  row({ reply: 'TRYAGAIN' }, 'unavailable', true, true, NOT_NOW),
  row({ reply: 'CLUSTERDOWN' }, 'unavailable', true, true, NOT_NOW),
  row({ reply: 'MASTERDOWN' }, 'unavailable', true, true, NOT_NOW),
  // Replies that refuse writes (a replica, no memory, failing snapshots, too few replicas). They pass
  // too, but inside a Lua script they come at the script's first refused write, after the commands
  // before it ran: a write failing so has an unknown outcome.
  row({ reply: 'READONLY' }, 'unavailable', true, false, NOT_NOW),
  row({ reply: 'OOM' }, 'unavailable', true, false, NOT_NOW),
  row({ reply: 'MISCONF' }, 'unavailable', true, false, NOT_NOW),
  row({ reply: 'NOREPLICAS' }, 'unavailable', true, false, NOT_NOW),
  // A cluster node answering a plain (non-cluster) client: every call for another node's slots
  // gets this, so retrying does not help; connect with a cluster client.
  row({ reply: 'MOVED' }, 'unavailable', false, true, 'Redis Cluster redirected the call: connect with a cluster client'),
  row({ reply: 'ASK' }, 'unavailable', false, true, 'Redis Cluster redirected the call: connect with a cluster client'),
  // Credentials and permissions: Redis will not serve this client until its configuration changes.
  // Unavailable (the backend refuses us, as a health check should see it), not retryable.
  row({ reply: 'NOAUTH' }, 'unavailable', false, true, 'Redis refused the credentials'),
  row({ reply: 'WRONGPASS' }, 'unavailable', false, true, 'Redis refused the credentials'),
  row({ reply: 'NOPERM' }, 'unavailable', false, false, 'Redis refused the call (ACL)'),
  // The key holds another type than the call expects: state contradicts the call (another writer
  // shares the keys), which is what a conflict means; retrying cannot help.
  row({ reply: 'WRONGTYPE' }, 'conflict', false, true, 'the key holds another kind of value'),
  // A multi-key call whose keys live in different cluster slots: the call itself cannot work there.
  row({ reply: 'CROSSSLOT' }, 'error', false, true, 'the keys of the call live in different Redis Cluster slots'),
]);

/** What a native error looks like to the table. */
interface NativeFacts {
  name: string;
  code: string;
  message: string;
}

/** The row that describes `facts`, or undefined (an unknown server error). */
export function findRedisErrorRow(facts: NativeFacts): RedisErrorRow | undefined {
  // ioredis prefixes a failed connection handshake's reply ("Ready check failed: NOAUTH ...").
  const word = /^(?:Ready check failed: )?([A-Z]+)(?=\s|$)/.exec(facts.message)?.[1] ?? '';
  const quoted = new Set(facts.message.match(/\bE[A-Z]+\b/g) ?? []);
  let best: RedisErrorRow | undefined;
  let bestRank = Infinity;
  for (const r of REDIS_ERROR_TABLE) {
    const m = r.match;
    let rank = Infinity;
    if ('name' in m && m.name === facts.name) rank = 0;
    else if ('code' in m && m.code === facts.code) rank = 1;
    else if ('prefix' in m && facts.message.startsWith(m.prefix)) rank = 2;
    else if ('code' in m && quoted.has(m.code)) rank = 3;
    else if ('reply' in m && m.reply === word) rank = 4;
    if (rank < bestRank) {
      best = r;
      bestRank = rank;
    }
  }
  return best;
}
