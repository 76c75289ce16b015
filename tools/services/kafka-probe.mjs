// Asks a broker for ApiVersions (v0, which every Kafka version answers) over a raw socket. A bare
// TCP connect is not enough: it cannot tell a Kafka broker from any other program on the port.
import net from 'node:net';

export function parseBrokers(list) {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(entry);
      if (!m) throw new Error(`broker "${entry}" is not host:port`);
      return { host: m[1], port: Number(m[2]) };
    });
}

/** Resolves to null when a Kafka broker answers, else to a human-readable reason. */
export function probeKafka({ host, port }, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const clientId = Buffer.from('motifs-services');
    const req = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
    req.writeInt32BE(req.length - 4, 0);
    req.writeInt16BE(18, 4); // ApiVersions
    req.writeInt16BE(0, 6); // version 0
    req.writeInt32BE(0x6d6f7469, 8); // correlation id
    req.writeInt16BE(clientId.length, 12);
    clientId.copy(req, 14);
    let buf = Buffer.alloc(0);
    const socket = net.connect({ host, port });
    const done = (reason) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`${host}:${port} did not answer an ApiVersions request in ${timeoutMs}ms`));
    socket.once('error', (err) =>
      done(err.code === 'ECONNREFUSED' ? `nothing listening on ${host}:${port}` : `${host}:${port}: ${err.message}`),
    );
    socket.once('connect', () => socket.write(req));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      const ok = buf.length >= 10 && buf.readInt32BE(4) === 0x6d6f7469;
      // error 35 (UNSUPPORTED_VERSION) still proves it is a Kafka broker, just a picky one.
      const error = ok ? buf.readInt16BE(8) : -1;
      done(ok && (error === 0 || error === 35) ? null : `${host}:${port} answered, but not like a Kafka broker`);
    });
    socket.once('close', () => done(`${host}:${port} closed the connection (not a Kafka broker?)`));
  });
}
