// The shared Redis error table, row by row, with errors built the way ioredis and Redis build them.
import { describe, expect, it } from '@jest/globals';
import {
  MotifsError,
  MotifsErrorConflict,
  MotifsErrorNotFound,
  MotifsErrorTimeout,
  MotifsErrorUnavailable,
  isMotifsError,
} from '../src/errors.js';
import {
  REDIS_ERROR_TABLE,
  findRedisErrorRow,
  mapRedisError,
  mapRedisWriteError,
  markRedisNotSent,
  redisClusterRedirect,
  redisWasNotSent,
} from '../src/redis/index.js';

/** A server reply error as ioredis builds it (redis-errors' ReplyError). */
const reply = (message: string): Error => Object.assign(new Error(message), { name: 'ReplyError' });
const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });
const named = (message: string, name: string): Error => Object.assign(new Error(message), { name });

type Row = [label: string, native: unknown, Expected: typeof MotifsError, code: string, retryable: boolean, changedNothing: boolean];

const ROWS: Row[] = [
  ['a command timeout', new Error('Command timed out'), MotifsErrorTimeout, 'MOTIFS_TIMEOUT', true, false],
  ['no offline queue', new Error("Stream isn't writeable and enableOfflineQueue options is false"), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, true],
  ['a cluster not ready, no offline queue', new Error("Cluster isn't ready and enableOfflineQueue options is false"), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, true],
  ['retries exhausted', named('Reached the max retries per request limit (which is 0). Refer to "maxRetriesPerRequest" option for details.', 'MaxRetriesPerRequestError'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['retries exhausted (by message)', new Error('Reached the max retries per request limit (which is 0).'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:6390', 'ECONNREFUSED'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a connect timeout', withCode('connect ETIMEDOUT', 'ETIMEDOUT'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a broken pipe', withCode('write EPIPE', 'EPIPE'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['an unknown host', withCode('getaddrinfo ENOTFOUND nope', 'ENOTFOUND'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['an unreachable host', withCode('connect EHOSTUNREACH 10.0.0.1:6379', 'EHOSTUNREACH'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['an unreachable network', withCode('connect ENETUNREACH 10.0.0.1:6379', 'ENETUNREACH'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a DNS hiccup', withCode('getaddrinfo EAI_AGAIN redis', 'EAI_AGAIN'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['an aborted connection', withCode('socket ECONNABORTED', 'ECONNABORTED'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a socket code only in the message', new Error('connect ECONNREFUSED 127.0.0.1:1'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a closed connection', new Error('Connection is closed.'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a call aborted by a closing connection', named('Command aborted due to connection close', 'AbortError'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a socket closed unexpectedly', new Error('Socket closed unexpectedly'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a socket timeout', new Error("Socket timeout. Expecting data, but didn't receive any in 100ms."), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a cluster redirection loop', new Error('Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a slots refresh that failed on every node (by name)', named('Failed to refresh slots cache.', 'ClusterAllFailedError'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a slots refresh that failed on every node (by message)', new Error('Failed to refresh slots cache.'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['no cluster startup node', new Error('None of startup nodes is available'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a disconnected cluster node', new Error('Node is disconnected'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a disconnected cluster', new Error('Cluster is disconnected.'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  // Seen during a Sentinel failover (kill -9 of the master): the sentinels still named the dead master.
  ['no sentinel gave a reachable master', new Error('All sentinels are unreachable. Retrying from scratch after 10ms.'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['a sentinel connection failure', new Error('Failed to connect to sentinel 127.0.0.1:27111'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['LOADING', reply('LOADING Redis is loading the dataset in memory'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, true],
  ['BUSY', reply('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, true],
  ['TRYAGAIN', reply('TRYAGAIN Multiple keys request during rehashing of slot'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, true],
  ['CLUSTERDOWN', reply('CLUSTERDOWN The cluster is down'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, true],
  ['MASTERDOWN', reply("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, true],
  ['READONLY', reply("READONLY You can't write against a read only replica."), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['OOM', reply("OOM command not allowed when used memory > 'maxmemory'."), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['MISCONF', reply('MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['NOREPLICAS', reply('NOREPLICAS Not enough good replicas to write.'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', true, false],
  ['MOVED (a plain client on a cluster node)', reply('MOVED 3999 127.0.0.1:6381'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', false, true],
  ['ASK (a plain client on a cluster node)', reply('ASK 3999 127.0.0.1:6381'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', false, true],
  ['NOAUTH', reply('NOAUTH Authentication required.'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', false, true],
  ['NOAUTH in the handshake', new Error('Ready check failed: NOAUTH Authentication required.'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', false, true],
  ['WRONGPASS', reply('WRONGPASS invalid username-password pair or user is disabled.'), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', false, true],
  ['NOPERM', reply("NOPERM User app has no permissions to run the 'flushall' command"), MotifsErrorUnavailable, 'MOTIFS_UNAVAILABLE', false, false],
  ['WRONGTYPE', reply('WRONGTYPE Operation against a key holding the wrong kind of value'), MotifsErrorConflict, 'MOTIFS_CONFLICT', false, true],
  ['CROSSSLOT', reply("CROSSSLOT Keys in request don't hash to the same slot"), MotifsError, 'MOTIFS_ERROR', false, true],
  ['any other reply', reply('ERR syntax error'), MotifsError, 'MOTIFS_ERROR', false, false],
  ['BUSYGROUP (not BUSY)', reply('BUSYGROUP Consumer Group name already exists'), MotifsError, 'MOTIFS_ERROR', false, false],
  ['a non-error', 'weird', MotifsError, 'MOTIFS_ERROR', false, false],
  ['nothing at all', undefined, MotifsError, 'MOTIFS_ERROR', false, false],
];

describe('mapRedisError', () => {
  it.each(ROWS)('%s', (_label, native, Expected, code, retryable) => {
    const mapped = mapRedisError(native, 'getItem');
    expect(mapped).toBeInstanceOf(Expected);
    expect({ code: mapped.code, retryable: mapped.retryable, outcomeUnknown: mapped.outcomeUnknown }).toEqual({ code, retryable, outcomeUnknown: false });
    expect(mapped.cause).toBe(native);
    expect(mapped.message).toContain('(getItem)');
    expect(mapped.message).toContain(native instanceof Error ? native.message : String(native));
    expect(mapped.details.what).toBe('getItem');
  });

  it('every row of the table is exercised above', () => {
    const facts = (native: unknown): { name: string; code: string; message: string } => {
      const e = (native ?? {}) as { name?: string; code?: string; message?: string };
      return { name: e.name ?? '', code: e.code ?? '', message: e.message ?? String(native) };
    };
    const hit = new Set(ROWS.map(([, native]) => findRedisErrorRow(facts(native))));
    for (const row of REDIS_ERROR_TABLE) expect(hit.has(row) ? 'tested' : JSON.stringify(row.match)).toBe('tested');
  });

  it('names the reply or the socket code in the details', () => {
    expect(mapRedisError(reply('WRONGPASS invalid'), 'x').details).toEqual({ what: 'x', reply: 'WRONGPASS' });
    expect(mapRedisError(withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')).details).toEqual({ code: 'ECONNREFUSED' });
    expect(mapRedisError(reply('ERR unknown command')).details).toEqual({ reply: 'ERR' });
    expect(mapRedisError(new Error('Command timed out')).message).toBe('Redis did not answer in time: Command timed out');
  });

  it('passes motifs errors through unchanged', () => {
    const original = new MotifsErrorNotFound('x');
    expect(mapRedisError(original, 'retrieve')).toBe(original);
  });
});

describe('mapRedisWriteError', () => {
  const flags = (native: unknown, idempotent: boolean): unknown[] => {
    const mapped = mapRedisWriteError(native, 'create', { idempotent, details: { id: 'r1' } });
    return [mapped.code, mapped.retryable, mapped.outcomeUnknown, mapped.details.id];
  };

  it.each(ROWS)('%s', (_label, native, _Expected, code, retryable, changedNothing) => {
    const unknown = retryable && !changedNothing && code !== 'MOTIFS_ERROR' && code !== 'MOTIFS_CONFLICT';
    // May have run: outcome unknown, retryable only for an idempotent write, with the caller's details.
    // Certainly did not run, or not retryable: the read's mapping, unchanged.
    expect(flags(native, false)).toEqual(unknown ? [code, false, true, 'r1'] : [code, retryable, false, undefined]);
    expect(flags(native, true)).toEqual(unknown ? [code, true, true, 'r1'] : [code, retryable, false, undefined]);
  });

  it('keeps a known outcome for errors raised before anything was sent', () => {
    const early = markRedisNotSent(new MotifsErrorTimeout('Redis was not ready within 5 ms'));
    expect(mapRedisWriteError(early, 'create', { idempotent: false })).toBe(early);
    expect(redisWasNotSent(early)).toBe(true);
  });

  it('marks a motifs timeout of a sent write (a caller\'s own timer) as outcome-unknown', () => {
    const mapped = mapRedisWriteError(new MotifsErrorTimeout('no answer'), 'update', { idempotent: true });
    expect([mapped.code, mapped.retryable, mapped.outcomeUnknown]).toEqual(['MOTIFS_TIMEOUT', true, true]);
    expect(isMotifsError(mapped, 'MOTIFS_UNAVAILABLE')).toBe(true);
  });
});

describe('redisWasNotSent', () => {
  it('is true only for calls the client refused to send', () => {
    expect(redisWasNotSent(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
    expect(redisWasNotSent(new Error("Cluster isn't ready and enableOfflineQueue options is false"))).toBe(true);
    expect(redisWasNotSent(new Error('Command timed out'))).toBe(false);
    expect(redisWasNotSent(new Error('Connection is closed.'))).toBe(false);
    expect(redisWasNotSent(reply('LOADING Redis is loading'))).toBe(false);
    expect(redisWasNotSent(new MotifsErrorUnavailable('x'))).toBe(false);
    expect(redisWasNotSent(null)).toBe(false);
  });
});

describe('redisClusterRedirect', () => {
  it('makes a MOVED or ASK reply that reached a cluster caller retryable, with a known outcome', () => {
    for (const [message, word] of [['MOVED 3999 127.0.0.1:7104', 'MOVED'], ['ASK 3999 127.0.0.1:7105', 'ASK']] as const) {
      const err = redisClusterRedirect(reply(message), 'create')!;
      expect(err).toBeInstanceOf(MotifsErrorUnavailable);
      expect([err.retryable, err.outcomeUnknown, err.details]).toEqual([true, false, { what: 'create', reply: word }]);
      expect(redisWasNotSent(err)).toBe(true);
      // A write refused so keeps its known outcome.
      expect(mapRedisWriteError(err, 'create', { idempotent: false }).outcomeUnknown).toBe(false);
    }
  });

  it('leaves every other error to the table', () => {
    expect(redisClusterRedirect(reply('CLUSTERDOWN The cluster is down'))).toBeUndefined();
    expect(redisClusterRedirect(new Error('Connection is closed.'))).toBeUndefined();
    expect(redisClusterRedirect(new MotifsErrorUnavailable('MOVED 1 h:1'))).toBeUndefined();
    // Without the cluster context the table keeps calling it a misconfiguration.
    expect(mapRedisError(reply('MOVED 1 h:1')).retryable).toBe(false);
  });
});
