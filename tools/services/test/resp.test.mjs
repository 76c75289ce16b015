// resp.mjs: URL parsing and redaction, the RESP2 encoder/decoder against scripted fake servers, and a
// real PING/SET/GET/DEL round trip on the shared Redis (one random key, deleted again).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { connectRedis, parseRedisUrl, pingRedis, redactUrl } from '../resp.mjs';
import { SHARED_REDIS_URL, freePort, tcpServer } from '../testkit.mjs';
import { sleep } from '../util.mjs';

describe('parseRedisUrl', () => {
  test('host and port, with the defaults', () => {
    assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6390'), { host: '127.0.0.1', port: 6390, username: null, password: null, db: 0 });
    assert.equal(parseRedisUrl('redis://127.0.0.1').port, 6379);
    assert.equal(parseRedisUrl('redis://127.0.0.1:6390/').db, 0);
  });

  test('password only, percent-decoded, and a db', () => {
    assert.deepEqual(parseRedisUrl('redis://:s%3Acr%40t@127.0.0.1:7000/2'), {
      host: '127.0.0.1',
      port: 7000,
      username: null,
      password: 's:cr@t',
      db: 2,
    });
  });

  test('username and password', () => {
    const cfg = parseRedisUrl('redis://alice:pw@127.0.0.1:7000/15');
    assert.equal(cfg.username, 'alice');
    assert.equal(cfg.password, 'pw');
    assert.equal(cfg.db, 15);
  });

  test('rejects other schemes, non-URLs and a db that is not a number', () => {
    assert.throws(() => parseRedisUrl('rediss://127.0.0.1:6379'), /unsupported Redis URL scheme "rediss:"/);
    assert.throws(() => parseRedisUrl('http://127.0.0.1:6379'), /unsupported Redis URL scheme "http:"/);
    assert.throws(() => parseRedisUrl('127.0.0.1:6379'), /unsupported Redis URL scheme|Invalid URL/);
    assert.throws(() => parseRedisUrl('not a url'), /Invalid URL/);
    assert.throws(() => parseRedisUrl('redis://127.0.0.1:6379/abc'), /not a database number/);
    assert.throws(() => parseRedisUrl('redis://127.0.0.1:6379/1.5'), /not a database number/);
  });
});

describe('redactUrl', () => {
  test('hides the password and keeps everything else', () => {
    assert.equal(redactUrl('redis://:secret@127.0.0.1:6379/1'), 'redis://:***@127.0.0.1:6379/1');
    assert.equal(redactUrl('redis://alice:secret@127.0.0.1:6379'), 'redis://alice:***@127.0.0.1:6379');
    assert.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
    assert.equal(redactUrl('garbage'), 'garbage');
  });
});

/**
 * A fake Redis: decodes each incoming command (a RESP array of bulk strings), records it, and writes
 * whatever `reply(args)` returns: a string/Buffer, or an array of chunks written with a small delay
 * between them (to split replies at awkward places).
 */
async function fakeRedis(t, reply) {
  const commands = [];
  const raw = [];
  const { port } = await tcpServer(t, (socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', async (chunk) => {
      raw.push(chunk);
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const cmd = decodeCommand(buf);
        if (!cmd) break;
        buf = buf.subarray(cmd.next);
        commands.push(cmd.args);
        const out = reply(cmd.args);
        if (out === undefined) continue;
        if (!Array.isArray(out)) socket.write(out);
        else
          for (const part of out) {
            socket.write(part);
            await sleep(5);
          }
      }
    });
  });
  return { port, url: `redis://127.0.0.1:${port}`, commands, raw: () => Buffer.concat(raw) };
}

function decodeCommand(buf) {
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return null;
  assert.equal(String.fromCharCode(buf[0]), '*', 'commands are sent as RESP arrays');
  const n = Number(buf.toString('utf8', 1, eol));
  let at = eol + 2;
  const args = [];
  for (let k = 0; k < n; k++) {
    const e = buf.indexOf('\r\n', at);
    if (e < 0) return null;
    assert.equal(String.fromCharCode(buf[at]), '$', 'arguments are sent as bulk strings');
    const len = Number(buf.toString('utf8', at + 1, e));
    if (buf.length < e + 2 + len + 2) return null;
    args.push(buf.toString('utf8', e + 2, e + 2 + len));
    at = e + 2 + len + 2;
  }
  return { args, next: at };
}

describe('RESP against a scripted server', () => {
  const utf8 = 'héllo ✓';
  const replies = {
    simple: '+OK\r\n',
    error: '-ERR boom here\r\n',
    int: ':-42\r\n',
    bulk: `$${Buffer.byteLength(utf8)}\r\n${utf8}\r\n`,
    crlf: '$6\r\na\r\nbcd\r\n', // length-prefixed: a CRLF inside the value is data
    empty: '$0\r\n\r\n',
    nullBulk: '$-1\r\n',
    nullArray: '*-1\r\n',
    emptyArray: '*0\r\n',
    nested: '*4\r\n:1\r\n$-1\r\n*2\r\n+a\r\n$1\r\nb\r\n-ERR inner\r\n',
    // the same nested reply, one byte per write: the parser has to wait for the rest every time
    split: [...Buffer.from('*4\r\n:1\r\n$-1\r\n*2\r\n+a\r\n$1\r\nb\r\n-ERR inner\r\n')].map((b) => Buffer.from([b])),
  };

  test('decodes simple strings, errors, integers, bulk strings, nulls and (nested) arrays', async (t) => {
    const redis = await fakeRedis(t, ([, which]) => replies[which]);
    const client = await connectRedis(redis.url);
    t.after(() => client.close());
    assert.equal(await client.call('T', 'simple'), 'OK');
    await assert.rejects(client.call('T', 'error'), (err) => err instanceof Error && err.message === 'ERR boom here');
    assert.equal(await client.call('T', 'int'), -42);
    assert.equal(await client.call('T', 'bulk'), utf8);
    assert.equal(await client.call('T', 'crlf'), 'a\r\nbcd');
    assert.equal(await client.call('T', 'empty'), '');
    assert.equal(await client.call('T', 'nullBulk'), null);
    assert.equal(await client.call('T', 'nullArray'), null);
    assert.deepEqual(await client.call('T', 'emptyArray'), []);
    for (const which of ['nested', 'split']) {
      const value = await client.call('T', which);
      assert.equal(value.length, 4, which);
      assert.deepEqual(value.slice(0, 3), [1, null, ['a', 'b']], which);
      assert.ok(value[3] instanceof Error, `${which}: an error inside an array is an Error value`);
      assert.equal(value[3].message, 'ERR inner');
    }
  });

  test('pipelined calls resolve in order, an error reply rejects only its own call', async (t) => {
    const redis = await fakeRedis(t, ([cmd]) => (cmd === 'A' ? undefined : '-ERR first\r\n+second\r\n:3\r\n'));
    const client = await connectRedis(redis.url);
    t.after(() => client.close());
    const calls = [client.call('A'), client.call('A'), client.call('B')];
    const settled = await Promise.allSettled(calls);
    assert.equal(settled[0].status, 'rejected');
    assert.equal(settled[0].reason.message, 'ERR first');
    assert.deepEqual(settled.slice(1).map((s) => s.value), ['second', 3]);
  });

  test('encodes commands as arrays of bulk strings with byte lengths', async (t) => {
    const redis = await fakeRedis(t, () => '+OK\r\n');
    const client = await connectRedis(redis.url);
    t.after(() => client.close());
    await client.call('SET', 'k', 'héllo', 5);
    assert.equal(redis.raw().toString('utf8'), '*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\nhéllo\r\n$1\r\n5\r\n');
    assert.deepEqual(redis.commands, [['SET', 'k', 'héllo', '5']]);
  });

  test('sends AUTH (with username when given) and SELECT from the URL before anything else', async (t) => {
    const redis = await fakeRedis(t, ([cmd]) => (cmd === 'PING' ? '+PONG\r\n' : '+OK\r\n'));
    assert.equal(await pingRedis(`redis://alice:p%40ss@127.0.0.1:${redis.port}/5`), null);
    assert.deepEqual(redis.commands, [['AUTH', 'alice', 'p@ss'], ['SELECT', '5'], ['PING']]);
    redis.commands.length = 0;
    assert.equal(await pingRedis(`redis://:secret@127.0.0.1:${redis.port}`), null);
    assert.deepEqual(redis.commands, [['AUTH', 'secret'], ['PING']]);
    redis.commands.length = 0;
    assert.equal(await pingRedis(redis.url), null);
    assert.deepEqual(redis.commands, [['PING']]);
  });

  test('a rejected AUTH fails the connection with the server error', async (t) => {
    const redis = await fakeRedis(t, ([cmd]) => (cmd === 'AUTH' ? '-WRONGPASS invalid username-password pair\r\n' : '+PONG\r\n'));
    await assert.rejects(connectRedis(`redis://:nope@127.0.0.1:${redis.port}`), /WRONGPASS/);
    const reason = await pingRedis(`redis://:nope@127.0.0.1:${redis.port}`);
    assert.match(reason, /^WRONGPASS/);
    assert.ok(!redis.commands.some(([cmd]) => cmd === 'PING'), 'no PING after a failed AUTH');
  });
});

describe('pingRedis failure reasons', () => {
  test('nothing listening', async () => {
    const port = await freePort();
    assert.equal(await pingRedis(`redis://127.0.0.1:${port}`), `nothing listening on redis://127.0.0.1:${port}`);
  });

  test('a server that is not Redis gives a reason instead of crashing the process', async (t) => {
    const { port } = await tcpServer(t, (socket) => socket.on('data', () => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const reason = await pingRedis(`redis://127.0.0.1:${port}`);
    assert.match(reason, /does not speak RESP: unexpected RESP type byte "H"/);
  });

  test('a server that never answers times out', async (t) => {
    const { port } = await tcpServer(t, () => {});
    const started = Date.now();
    assert.equal(await pingRedis(`redis://127.0.0.1:${port}`, { timeoutMs: 300 }), `timed out talking to 127.0.0.1:${port}`);
    assert.ok(Date.now() - started < 2000);
  });

  test('a server that hangs up, or answers PING wrongly', async (t) => {
    const closer = await tcpServer(t, (socket) => socket.on('data', () => socket.end()));
    assert.equal(await pingRedis(`redis://127.0.0.1:${closer.port}`), 'connection closed');
    const odd = await fakeRedis(t, () => '+PANG\r\n');
    assert.equal(await pingRedis(odd.url), 'unexpected PING reply "PANG"');
  });
});

describe('RESP against the real Redis on 127.0.0.1:6379', () => {
  test('PING, SET/GET/MGET/EXISTS/DEL of one random key, errors and nulls', async (t) => {
    const down = await pingRedis(SHARED_REDIS_URL);
    if (down) return t.skip(`no Redis at ${SHARED_REDIS_URL}: ${down}`);
    const client = await connectRedis(SHARED_REDIS_URL);
    const key = `motifs:services-test:${randomBytes(8).toString('hex')}`;
    t.after(async () => {
      try {
        await client.call('DEL', key);
      } finally {
        client.close();
      }
    });
    const value = `vålue ✓ ${randomBytes(4).toString('hex')}`;
    assert.equal(await client.call('PING'), 'PONG');
    assert.equal(await client.call('EXISTS', key), 0, 'the random key must not exist yet');
    assert.equal(await client.call('SET', key, value, 'PX', '60000'), 'OK');
    assert.equal(await client.call('GET', key), value);
    assert.deepEqual(await client.call('MGET', key, key), [value, value]);
    await assert.rejects(client.call('SET', key), /wrong number of arguments/);
    assert.equal(await client.call('GET', key), value, 'the connection still works after an error reply');
    assert.equal(await client.call('DEL', key), 1);
    assert.equal(await client.call('DEL', key), 0);
    assert.equal(await client.call('GET', key), null);
    assert.deepEqual(await client.call('MGET', key), [null]);
    assert.equal(await client.call('EXISTS', key), 0);
  });
});
