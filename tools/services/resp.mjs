// Just enough RESP2 to PING / AUTH / SET / GET / DEL: the services check must run before any
// node_modules exist, so no Redis client library is available.
import net from 'node:net';

export function parseRedisUrl(url) {
  const u = new URL(url);
  if (u.protocol !== 'redis:') throw new Error(`unsupported Redis URL scheme "${u.protocol}" (only redis:// is handled here)`);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  // Otherwise "/abc" would be NaN, skip SELECT and silently use db 0.
  if (!Number.isInteger(db) || db < 0) throw new Error(`Redis URL path "${u.pathname}" is not a database number`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : null,
    password: u.password ? decodeURIComponent(u.password) : null,
    db,
  };
}

/** For logs and reasons: never print a password from MOTIFS_REDIS_URL. */
export function redactUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

const encode = (args) =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`;

/** Parses one reply starting at `i`; returns [value, nextIndex] or null when more bytes are needed. */
function parse(buf, i = 0) {
  const eol = buf.indexOf('\r\n', i);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[i]);
  const line = buf.toString('utf8', i + 1, eol);
  const next = eol + 2;
  if (type === '+') return [line, next];
  if (type === '-') return [new Error(line), next];
  if (type === ':') return [Number(line), next];
  if (type === '$') {
    const len = Number(line);
    if (len < 0) return [null, next];
    if (buf.length < next + len + 2) return null;
    return [buf.toString('utf8', next, next + len), next + len + 2];
  }
  if (type === '*') {
    const n = Number(line);
    const items = [];
    let at = next;
    for (let k = 0; k < n; k++) {
      const r = parse(buf, at);
      if (!r) return null;
      items.push(r[0]);
      at = r[1];
    }
    return [n < 0 ? null : items, at];
  }
  throw new Error(`unexpected RESP type byte "${type}"`);
}

/** Opens a connection, authenticates/selects from the URL, and returns a promise-based `call`. */
export async function connectRedis(url, { timeoutMs = 1500 } = {}) {
  const cfg = parseRedisUrl(url);
  const socket = net.connect({ host: cfg.host, port: cfg.port });
  socket.setTimeout(timeoutMs);
  let buffer = Buffer.alloc(0);
  const waiting = [];
  const fail = (err) => {
    while (waiting.length) waiting.shift().reject(err);
  };
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    try {
      for (let r = parse(buffer); r && waiting.length; r = parse(buffer)) {
        buffer = buffer.subarray(r[1]);
        const w = waiting.shift();
        if (r[0] instanceof Error) w.reject(r[0]);
        else w.resolve(r[0]);
      }
    } catch (err) {
      // Not RESP (something else on the port): a reason for the caller, not an uncaught exception.
      fail(new Error(`${cfg.host}:${cfg.port} does not speak RESP: ${err.message}`));
      socket.destroy();
    }
  });
  socket.on('timeout', () => {
    fail(new Error(`timed out talking to ${cfg.host}:${cfg.port}`));
    socket.destroy();
  });
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('connection closed')));
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
    socket.once('timeout', () => reject(new Error(`timed out connecting to ${cfg.host}:${cfg.port}`)));
  });
  const call = (...args) =>
    new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      socket.write(encode(args));
    });
  const client = { call, close: () => socket.destroy() };
  try {
    if (cfg.password) await (cfg.username ? call('AUTH', cfg.username, cfg.password) : call('AUTH', cfg.password));
    if (cfg.db) await call('SELECT', cfg.db);
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

/** Resolves to null when the server answers PONG, else to a human-readable reason. */
export async function pingRedis(url, opts) {
  let client;
  try {
    client = await connectRedis(url, opts);
    const pong = await client.call('PING');
    return pong === 'PONG' ? null : `unexpected PING reply ${JSON.stringify(pong)}`;
  } catch (err) {
    return err.code === 'ECONNREFUSED' ? `nothing listening on ${redactUrl(url)}` : err.message;
  } finally {
    client?.close();
  }
}
