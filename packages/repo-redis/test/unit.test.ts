import { describe, expect, it, jest } from '@jest/globals';
import { MotifsError, MotifsErrorConflict, MotifsErrorNotFound, MotifsErrorTimeout, MotifsErrorUnavailable, MotifsErrorValidation } from '@motifs/core';
import { REDIS_DEFAULTS } from '@motifs/core/kit';
import type { RedisOptions } from 'ioredis';
import { createRedisRepo, mapRedisError, mapWriteError, RedisRepo, RepoLayout, wasNotSent } from '../src/index.js';
import { FieldNames, MemberPrefixes, decodeFlat, parseStoredBytes, parseStoredValue, pairsJson, pushPairs } from '../src/record-codec.js';
import type * as RecordCodec from '../src/record-codec.js';
import { SCRIPTS, runScript } from '../src/scripts.js';

describe('mapRedisError', () => {
  const withCode = (code: string, message = code): Error => Object.assign(new Error(message), { code });

  it.each([
    ['a command timeout', new Error('Command timed out'), MotifsErrorTimeout],
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), MotifsErrorUnavailable],
    ['a reset connection', withCode('ECONNRESET'), MotifsErrorUnavailable],
    ['an unknown host', withCode('ENOTFOUND'), MotifsErrorUnavailable],
    ['a closed connection', new Error('Connection is closed.'), MotifsErrorUnavailable],
    ['exhausted retries', Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' }), MotifsErrorUnavailable],
    ['a loading server', new Error('LOADING Redis is loading the dataset in memory'), MotifsErrorUnavailable],
    ['a read-only replica', new Error("READONLY You can't write against a read only replica."), MotifsErrorUnavailable],
    ['out of memory', new Error('OOM command not allowed when used memory > maxmemory'), MotifsErrorUnavailable],
    ['a cluster failing over', new Error('Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down'), MotifsErrorUnavailable],
    ['a slot in migration', new Error('TRYAGAIN Multiple keys request during rehashing of slot'), MotifsErrorUnavailable],
  ])('maps %s', (_label, err, type) => {
    const mapped = mapRedisError(err, 'retrieve');
    expect(mapped).toBeInstanceOf(type);
    expect(mapped.cause).toBe(err);
    expect(mapped.retryable).toBe(true);
  });

  it('maps another server error to a non-retryable MotifsError', () => {
    const mapped = mapRedisError(new Error('ERR value is not an integer or out of range'), 'retrieve');
    expect(mapped).toBeInstanceOf(MotifsError);
    expect(mapped).not.toBeInstanceOf(MotifsErrorUnavailable);
    expect(mapped.retryable).toBe(false);
    expect(mapped.message).toBe('Redis failed (retrieve): ERR value is not an integer or out of range');
  });

  it('maps a key of another type (written by someone else) to a conflict, as the cacher does', () => {
    const mapped = mapRedisError(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), 'retrieve');
    expect(mapped).toBeInstanceOf(MotifsErrorConflict);
    expect(mapped.retryable).toBe(false);
  });

  it('maps refused credentials to a non-retryable MotifsErrorUnavailable, as the cacher does', () => {
    const mapped = mapRedisError(Object.assign(new Error('NOAUTH Authentication required.'), { name: 'ReplyError' }), 'retrieve');
    expect([mapped.code, mapped.retryable, mapped.details.reply]).toEqual(['MOTIFS_UNAVAILABLE', false, 'NOAUTH']);
  });

  it('passes motifs errors through unchanged', () => {
    const err = new MotifsErrorNotFound('x');
    expect(mapRedisError(err, 'retrieve')).toBe(err);
  });
});

describe('runScript', () => {
  it('runs by SHA and loads the script on NOSCRIPT', async () => {
    const client = {
      evalsha: jest.fn<(...args: unknown[]) => Promise<unknown>>(async () => {
        throw new Error('NOSCRIPT No matching script.');
      }),
      eval: jest.fn<(...args: unknown[]) => Promise<unknown>>(async () => 1),
    };
    expect(await runScript(client as never, SCRIPTS.create, ['k1', 'k2'], ['a'])).toBe(1);
    expect(client.evalsha).toHaveBeenCalledWith(SCRIPTS.create.sha, 2, 'k1', 'k2', 'a');
    expect(client.eval).toHaveBeenCalledWith(SCRIPTS.create.source, 2, 'k1', 'k2', 'a');
  });

  it('does not retry other errors', async () => {
    const client = { evalsha: jest.fn(async () => Promise.reject(new Error('ERR boom'))), eval: jest.fn() };
    await expect(runScript(client as never, SCRIPTS.create, ['k'], [])).rejects.toThrow('ERR boom');
    expect(client.eval).not.toHaveBeenCalled();
  });
});

describe('RepoLayout', () => {
  it('keeps names, namespaces, fields and value types apart', () => {
    const a = new RepoLayout('ns', 'contacts');
    expect(a.rec('1')).toBe('{ns:contacts}:rec:1');
    expect(a.idx('city', JSON.stringify('1'))).not.toBe(a.idx('city', JSON.stringify(1)));
    expect(a.idx('a:b', '"c"')).not.toBe(a.idx('a', '"b:c"'));
  });
});

describe('createRedisRepo options', () => {
  it.each([
    ['a name with a colon', { name: 'a:b' }],
    ['a namespace with braces', { name: 'a', namespace: 'x{y}' }],
    ['duplicate indexes', { name: 'a', indexes: ['x', 'x'] }],
    ['a zero timeout', { name: 'a', redis: { commandTimeoutMs: 0 } }],
    ['a negative connect timeout', { name: 'a', redis: { connectTimeoutMs: -1 } }],
    ['a zero reconnect delay', { name: 'a', redis: { reconnectMaxDelayMs: 0 } }],
    ['a negative db', { name: 'a', redis: { db: -1 } }],
    ['a cluster topology (not supported yet)', { name: 'a', redis: { cluster: { nodes: [] } } }],
    ['a non-boolean autoPipelining', { name: 'a', redis: { autoPipelining: 'yes' } }],
  ])('rejects %s before connecting', async (_label, options) => {
    await expect(createRedisRepo(options as never)).rejects.toBeInstanceOf(MotifsErrorValidation);
  });

  const ownClient = async (redis: Record<string, unknown> = {}): Promise<RedisOptions> => {
    const repo = await createRedisRepo({ name: 'a', redis: { url: 'redis://127.0.0.1:1', ...redis } });
    const { options } = (repo as unknown as { client: { options: RedisOptions } }).client;
    await repo.close();
    return options;
  };

  it('reconnects like every Redis motif: the shared schedule, at most reconnectMaxDelayMs (default 1000) apart', async () => {
    const defaults = await ownClient();
    for (const attempt of [1, 5, 10, 40, 1000]) {
      expect(defaults.retryStrategy!(attempt)).toBeLessThanOrEqual(REDIS_DEFAULTS.reconnectMaxDelayMs);
    }
    expect(defaults.connectTimeout).toBe(REDIS_DEFAULTS.connectTimeoutMs);
    expect(defaults.commandTimeout).toBe(REDIS_DEFAULTS.commandTimeoutMs);
    const tuned = await ownClient({ reconnectMaxDelayMs: 200, connectTimeoutMs: 700 });
    expect(tuned.retryStrategy!(40)).toBeLessThanOrEqual(200);
    expect(tuned.connectTimeout).toBe(700);
  });

  it('never queues nor resends a call itself, so a failed write is reported, never applied twice', async () => {
    const options = await ownClient();
    expect({ offline: options.enableOfflineQueue, resend: options.autoResendUnfulfilledCommands, retries: options.maxRetriesPerRequest })
      .toEqual({ offline: false, resend: false, retries: 0 });
  });

  it('names autoPipelining in its validation error, and refuses it in the constructor too', async () => {
    const err = await createRedisRepo({ name: 'a', redis: { autoPipelining: 1 as never } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MotifsErrorValidation);
    expect((err as MotifsErrorValidation).issues).toEqual([{ path: ['redis', 'autoPipelining'], message: 'must be a boolean' }]);
    const client = { status: 'wait', on: () => undefined } as never;
    expect(() => new RedisRepo({ name: 'a', redis: { autoPipelining: null as never } }, { client, owned: false })).toThrow(MotifsErrorValidation);
  });

  it('takes the connection options every Redis motif takes (tls, username, password, db, ioredis)', async () => {
    const options = await ownClient({ username: 'app', password: 'secret', db: 2, tls: { servername: 'h' }, ioredis: { connectionName: 'mine', enableOfflineQueue: true } });
    expect(options).toMatchObject({ username: 'app', password: 'secret', db: 2, tls: { servername: 'h' }, connectionName: 'mine', enableOfflineQueue: false, lazyConnect: true });
  });
});

describe('mapWriteError', () => {
  const flags = (err: unknown, write?: { idempotent: boolean; details?: Record<string, unknown> }): unknown[] => {
    const mapped = mapWriteError(err, 'create', write);
    return [mapped.code, mapped.retryable, mapped.outcomeUnknown, mapped.details.id];
  };

  it('a timeout or lost connection of a sent write is outcome-unknown, retryable only if idempotent', () => {
    expect(flags(new Error('Command timed out'), { idempotent: false, details: { id: 'x' } })).toEqual(['MOTIFS_TIMEOUT', false, true, 'x']);
    expect(flags(new Error('Connection is closed.'), { idempotent: true })).toEqual(['MOTIFS_UNAVAILABLE', true, true, undefined]);
    expect(flags(Object.assign(new Error('Reached the max retries per request limit (which is 0).'), { name: 'MaxRetriesPerRequestError' }), { idempotent: false })).toEqual(['MOTIFS_UNAVAILABLE', false, true, undefined]);
  });

  it('a read, a write never sent, or a server refusal keeps a known outcome', () => {
    expect(flags(new Error('Command timed out'))).toEqual(['MOTIFS_TIMEOUT', true, false, undefined]);
    expect(flags(new Error("Stream isn't writeable and enableOfflineQueue options is false"), { idempotent: false })).toEqual(['MOTIFS_UNAVAILABLE', true, false, undefined]);
    expect(flags(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), { idempotent: false })).toEqual(['MOTIFS_CONFLICT', false, false, undefined]);
    expect(flags(new Error('ERR Error running script'), { idempotent: false })).toEqual(['MOTIFS_ERROR', false, false, undefined]);
  });

  it('a write Redis refused before running it (loading, failing over) keeps a known outcome and stays retryable', () => {
    expect(flags(new Error('LOADING Redis is loading the dataset in memory'), { idempotent: false })).toEqual(['MOTIFS_UNAVAILABLE', true, false, undefined]);
    expect(flags(new Error('CLUSTERDOWN The cluster is down'), { idempotent: false })).toEqual(['MOTIFS_UNAVAILABLE', true, false, undefined]);
  });

  it('wasNotSent is true only for a call the client refused to send', () => {
    expect(wasNotSent(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
    expect(wasNotSent(new Error('Command timed out'))).toBe(false);
  });
});

describe('parseStoredValue', () => {
  // Every stored value is read as JSON.parse would read it: the same value, or the same refusal.
  const texts = [
    '"a"', '""', '"person 42"', '"2026-01-01T00:00:00.000Z"', '"é ✓ 𝄞"', '"a\\"b"', '"a\\nb"', '"\\u0041"', '"a"b"', '"a', 'a"', '"\\"',
    '"tab\there"', '"nl\nhere"', `"${'\ud800'}"`, '" "', '"\u007f"',
    '0', '-0', '00', '-00', '-01', '--1', '-a', '1a', '4-2', '123456789012345', '-12345678901234', '1234567890123456', '9007199254740993', '-9007199254740993', '42', '-42', '3.14', '1e3', '1E+3', '-1.5e-7', '1e400', '01', '1.', '.5', '-', '+1', '1e', '0x10', '1_000', '42 ', ' 42', 'NaN', 'Infinity',
    'true', 'false', 'null', '[]', '["a",1]', '{}', '{"a":{"b":[1,2]}}', '', ' ', 'undefined', '"a" ', ' "a"',
  ];
  /** What a reader gets from `read`: the value, or that it refused (a SyntaxError). */
  const outcome = (read: () => unknown): { value?: unknown; error?: boolean } => {
    try {
      return { value: read() };
    } catch (err) {
      expect(err).toBeInstanceOf(SyntaxError);
      return { error: true };
    }
  };

  /** `read` gives what `reference` (JSON.parse) gives: the same value (-0 included) or a refusal. */
  const readsLike = (read: () => unknown, reference: () => unknown): void => {
    const expected = outcome(reference);
    const actual = outcome(read);
    expect(actual).toEqual(expected);
    if ('value' in expected) expect(Object.is(actual.value, expected.value) || typeof expected.value === 'object').toBe(true);
  };

  it.each(texts)('reads %j like JSON.parse', (text) => {
    readsLike(() => parseStoredValue(text), () => JSON.parse(text));
  });

  it.each(texts)('reads %j from bytes like JSON.parse reads their text', (text) => {
    const bytes = Buffer.from(text);
    readsLike(() => parseStoredBytes(bytes), () => JSON.parse(bytes.toString()));
  });

  it('reads bytes that are not UTF-8, and an empty part, like JSON.parse reads their text', () => {
    for (const bytes of [Buffer.from([34, 0xff, 34]), Buffer.from([34, 0xc3, 34]), Buffer.from([34, 0xe2, 0x82, 34]), Buffer.from([0xff]), Buffer.alloc(0), Buffer.from([34])]) {
      readsLike(() => parseStoredBytes(bytes), () => JSON.parse(bytes.toString()));
    }
  });

  it("reads bytes alike where Buffer has no latin1Slice/utf8Slice of its own (it then decodes with toString)", async () => {
    const proto = Buffer.prototype as unknown as Record<string, unknown>;
    const own = { latin1Slice: proto.latin1Slice, utf8Slice: proto.utf8Slice };
    let codec: typeof RecordCodec | undefined;
    try {
      delete proto.latin1Slice;
      delete proto.utf8Slice;
      await jest.isolateModulesAsync(async () => {
        codec = await import('../src/record-codec.js');
      });
    } finally {
      Object.assign(proto, own);
    }
    expect(codec).toBeDefined();
    expect(codec!.parseStoredBytes).not.toBe(parseStoredBytes);
    const samples = ['"plain"', '"ünï €😀"', '"esc\\aped"', '42', '["a",1]', '"x'];
    for (const bytes of [...samples.map((text) => Buffer.from(text)), Buffer.from([34, 0xe9, 34])]) {
      readsLike(() => codec!.parseStoredBytes(bytes), () => JSON.parse(bytes.toString()));
    }
  });

  it('reads a string of ASCII bytes and one with a byte from 0x80 to the same text JSON.parse gives (never Latin-1 for the second)', () => {
    expect(parseStoredBytes(Buffer.from('"person 7"'))).toBe('person 7');
    // 0xE9 alone is not UTF-8 (it would be "é" in Latin-1): U+FFFD, as JSON.parse of its UTF-8 text.
    expect(parseStoredBytes(Buffer.from([34, 0x61, 0xe9, 34]))).toBe('a\uFFFD');
    expect(parseStoredBytes(Buffer.from('"café"'))).toBe('café');
  });

  it('decodes a record whatever its values, and names the field it cannot decode', () => {
    expect(decodeFlat(['id', '"a"', 'n', '-0.5', 'tags', '["x"]', 'q', '"say \\"hi\\""'])).toEqual({ id: 'a', n: -0.5, tags: ['x'], q: 'say "hi"' });
    expect(() => decodeFlat(['id', '"a"', 'age', '4 2'])).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: ['age'] })] }));
  });

  it('decodes a reply of Buffers (callBuffer) to the same record, multi-byte UTF-8 included', () => {
    const flat = ['id', '"a"', 'ünï', '"ü €😀"', 'n', '-0.5', 'tags', '["x","ÿ"]'];
    expect(decodeFlat(flat.map((part) => Buffer.from(part)))).toEqual(decodeFlat(flat));
    expect(decodeFlat(flat.map((part) => Buffer.from(part)))).toEqual({ id: 'a', ünï: 'ü €😀', n: -0.5, tags: ['x', 'ÿ'] });
    expect(decodeFlat([])).toBeUndefined();
    expect(() => decodeFlat([Buffer.from('ä'), Buffer.from('4 2')])).toThrow(expect.objectContaining({ code: 'MOTIFS_SERIALIZATION', issues: [expect.objectContaining({ path: ['ä'] })] }));
    expect(() => decodeFlat([Buffer.from('__proto__'), Buffer.from('1')])).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: ['__proto__'] })] }));
  });

  it('FieldNames: a name seen at a position comes back as the kept string; another name replaces it', () => {
    const names = new FieldNames();
    const first = names.text(Buffer.from('name'), 0);
    expect(first).toBe('name');
    // The same bytes (another Buffer): the kept string itself, not a new decode.
    expect(names.text(Buffer.from('name'), 0)).toBe(first);
    // Same length, other bytes; a shorter and a longer name; another position: each read for what it is.
    expect(names.text(Buffer.from('nama'), 0)).toBe('nama');
    expect(names.text(Buffer.from('nam'), 0)).toBe('nam');
    expect(names.text(Buffer.from('names'), 0)).toBe('names');
    expect(names.text(Buffer.from('name'), 1)).toBe('name');
    expect(names.text(Buffer.from('ünï 😀'), 0)).toBe('ünï 😀');
    expect(names.text(Buffer.from('ünï 😀'), 0)).toBe('ünï 😀');
    // The kept bytes are a copy: changing the reply's Buffer afterwards changes nothing kept.
    const reply = Buffer.from('abcd');
    expect(names.text(reply, 2)).toBe('abcd');
    reply.write('abce');
    expect(names.text(reply, 2)).toBe('abce');
    expect(names.text(Buffer.from('abcd'), 2)).toBe('abcd');
    // Long names and far positions are read each time (and still right).
    const long = 'x'.repeat(65);
    expect(names.text(Buffer.from(long), 0)).toBe(long);
    expect(names.text(Buffer.from(long), 0)).toBe(long);
    expect(names.text(Buffer.from('far'), 64)).toBe('far');
    expect(names.text(Buffer.from('faz'), 64)).toBe('faz');
  });

  it('FieldNames: decodes a kept name no more; another name replaces it only on every 8th miss', () => {
    const names = new FieldNames();
    const decodes = jest.spyOn(Buffer.prototype, 'toString');
    try {
      const read = (name: string): number => {
        decodes.mockClear();
        expect(names.text(Buffer.from(name), 0)).toBe(name);
        return decodes.mock.calls.length;
      };
      expect(read('name')).toBe(1); // the first name at a position is kept
      expect(read('name')).toBe(0);
      for (let miss = 1; miss < 8; miss++) expect(read('nick')).toBe(1); // misses 1-7: 'name' stays
      expect(read('name')).toBe(0);
      expect(read('nick')).toBe(1); // the 8th miss: 'nick' replaces 'name'
      expect(read('nick')).toBe(0);
      expect(read('name')).toBe(1);
    } finally {
      decodes.mockRestore();
    }
  });

  it('decodeFlat with FieldNames gives the record it gives without, whatever records came before', () => {
    const names = new FieldNames();
    const records = [
      ['id', '"a"', 'name', '"Ada"', 'age', '36', 'tags', '["x"]'],
      ['id', '"b"', 'name', '"Bob"', 'age', '-0', 'tags', '[]'],
      ['id', '"c"', 'nick', '"C"', 'age', '1.5', 'tags', '["y"]', 'extra', 'true'],
      ['id', '"d"', 'name', '"D\\u0041"'],
      ['ünï', '"ü €😀"', 'id', '"e"', 'n', '123456789012345'],
      ['id', '"a"', 'name', '"Ada"', 'age', '36', 'tags', '["x"]'],
    ];
    for (const flat of records) {
      const withNames = decodeFlat<Record<string, unknown>>(flat.map((part) => Buffer.from(part)), names)!;
      expect(withNames).toEqual(decodeFlat(flat));
      expect(Object.keys(withNames)).toEqual(flat.filter((_, i) => i % 2 === 0));
      // -0 stays -0, as JSON.parse reads it.
      if (flat.includes('age')) expect(Object.is(withNames.age, JSON.parse(flat[flat.indexOf('age') + 1]!))).toBe(true);
    }
    // A forbidden name is refused whether or not a FieldNames has seen it before.
    for (let k = 0; k < 2; k++) {
      expect(() => decodeFlat([Buffer.from('id'), Buffer.from('"a"'), Buffer.from('constructor'), Buffer.from('1')], names)).toThrow(
        expect.objectContaining({ code: 'MOTIFS_SERIALIZATION', issues: [expect.objectContaining({ path: ['constructor'] })] }),
      );
    }
    expect(() => decodeFlat([Buffer.from('id'), Buffer.from('"a"'), Buffer.from('age'), Buffer.from('01')], names)).toThrow(
      expect.objectContaining({ code: 'MOTIFS_SERIALIZATION', issues: [expect.objectContaining({ path: ['age'] })] }),
    );
  });

  it('reads every one-character string, escaped or not, like JSON.parse', () => {
    // The value read, or SyntaxError itself for a refusal (no expect() per text: 196,608 texts).
    const orRefusal = (read: () => unknown): unknown => {
      try {
        return read();
      } catch {
        return SyntaxError;
      }
    };
    for (let code = 0; code < 0x10000; code++) {
      const char = String.fromCharCode(code);
      for (const text of [`"${char}"`, JSON.stringify(char), `"x${char}y"`]) {
        const expected = orRefusal(() => JSON.parse(text));
        const actual = orRefusal(() => parseStoredValue(text));
        if (actual !== expected) throw new Error(`${JSON.stringify(text)}: ${String(actual)} !== ${String(expected)}`);
        // From bytes: what JSON.parse reads in their text (a lone surrogate is U+FFFD in UTF-8).
        const bytes = Buffer.from(text);
        const fromText = orRefusal(() => JSON.parse(bytes.toString()));
        const fromBytes = orRefusal(() => parseStoredBytes(bytes));
        if (fromBytes !== fromText) throw new Error(`bytes of ${JSON.stringify(text)}: ${String(fromBytes)} !== ${String(fromText)}`);
      }
    }
  });
});

describe('pushPairs', () => {
  it('writes the texts JSON.stringify(record) joins, so the create message dto (the record JSON) is the hash as stored', () => {
    const record = { id: 'a"b/c', 'quo"te': 'x\\y', ünï: 'ü', '': 0, n: 1e21, f: -0.5, nested: { a: [1, { b: null }] }, t: true };
    const args: (string | number)[] = [];
    pushPairs(args, record);
    const joined = `{${Array.from({ length: args[0] as number }, (_, k) => `${JSON.stringify(args[1 + 2 * k])}:${args[2 + 2 * k]}`).join(',')}}`;
    expect(joined).toBe(JSON.stringify(record));
  });

  it('pairsJson joins the pairs pushPairs pushed into JSON.stringify(record), leaving them as they were, with one MemberPrefixes for every record', () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, k) => [`f${k}`, k % 2 ? `v${k}` : k / 3]));
    const records: Record<string, unknown>[] = [
      { id: 'a"b/c', 'quo"te': 'x\\y', ünï: 'ü', '': 0, n: 1e21, f: -0.5, nested: { a: [1, { b: null }] }, t: true },
      { t: false, id: 'same names, other order', ünï: 'é\n', 'quo"te': null },
      { id: 'x', '12': 'integer-like names come first', b: 1, '3': [] },
      many,
      { id: 'after 300 names', f299: 'kept names and new ones', zz: { '"': '"' } },
    ];
    const prefixes = new MemberPrefixes();
    for (const record of records) {
      const args: (string | number)[] = ['head'];
      pushPairs(args, record);
      args.push('"an index entry"', '"after the pairs"', '');
      const pushed = [...args];
      expect(pairsJson(args, 1, prefixes)).toBe(JSON.stringify(record));
      expect(args).toEqual(pushed);
    }
  });
});
