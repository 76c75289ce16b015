// TLS options pass through to ioredis: a private redis-server on a TLS port with a throwaway
// self-signed certificate (made with openssl for this run).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMotifsError } from '@motifs/core';
import { describeWithService } from '@motifs/test-suite';
import { createRedisCacher } from '../src/index.js';
import { freePort, startRedis, stopRedis } from '../../../tools/jest/own-redis.js';

describeWithService({ describe, it }, 'redis', 'redis cacher over TLS', () => {
  let dir: string;
  let server: ChildProcess;
  let url: string;
  let ca: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'motifs-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'));
    const port = await freePort();
    server = await startRedis(port, ['--port', '0', '--tls-port', String(port), '--tls-cert-file', join(dir, 'cert.pem'),
      '--tls-key-file', join(dir, 'key.pem'), '--tls-ca-cert-file', join(dir, 'cert.pem'), '--tls-auth-clients', 'no']);
    url = `rediss://127.0.0.1:${port}`;
  }, 30_000);
  afterAll(async () => {
    await stopRedis(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the CA given in `tls`', async () => {
    const cacher = await createRedisCacher({ namespace: 'tls', redis: { url, tls: { ca } } });
    try {
      expect(await cacher.setItem('k', { secure: true }, 60_000)).toBe(true);
      expect(await cacher.getItem('k')).toEqual({ secure: true });
    } finally {
      await cacher.close();
    }
  });

  it('an untrusted certificate gives MotifsErrorUnavailable, not a hang', async () => {
    const cacher = await createRedisCacher({ namespace: 'tls', redis: { url, tls: {}, commandTimeoutMs: 500 } });
    try {
      const err = await cacher.getItem('k').catch((e: unknown) => e);
      expect(isMotifsError(err, 'MOTIFS_UNAVAILABLE')).toBe(true);
    } finally {
      await cacher.close();
    }
  });
});
