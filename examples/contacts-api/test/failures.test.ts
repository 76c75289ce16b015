// Backend failures injected around real memory motifs (unit level): what the client sees and
// what is left in the store.
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { uniqueNamespace } from '@motifs/test-suite';
import { MotifsErrorTimeout, MotifsErrorUnavailable } from 'motifs';
import {
  DEFAULT_CONFIG,
  openContactsMotifs,
  startServer,
  type ContactsApiConfig,
  type ContactsMotifs,
  type IAlienContactCreated,
  type RunningServer,
} from '../src/index.js';
import { ada, collector, http, recordingLogger } from './http.js';

type Faults = Map<string, () => unknown>;

/** Wraps a motif so the methods named in `faults` reject with what their thunk returns. */
function faulty<T extends object>(target: T, faults: Faults): T {
  return new Proxy(target, {
    get(t, prop) {
      const fault = faults.get(String(prop));
      if (fault) return async () => { throw fault(); };
      const value = Reflect.get(t, prop, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

const down = () => new MotifsErrorUnavailable('connect ECONNREFUSED 10.0.0.7:6379');

function config(): ContactsApiConfig {
  const ns = uniqueNamespace('contacts-api');
  return { ...DEFAULT_CONFIG, backend: 'memory', port: 0, namespace: ns, channelId: `${ns}-mars` };
}

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(faults: { cacher?: Faults; repo?: Faults; publisher?: Faults } = {}) {
  const cfg = config();
  const real = await openContactsMotifs(cfg);
  const motifs: ContactsMotifs = {
    ...real,
    cacher: faulty(real.cacher, faults.cacher ?? new Map()),
    repo: faulty(real.repo, faults.repo ?? new Map()),
    publisher: faulty(real.publisher, faults.publisher ?? new Map()),
  };
  const logger = recordingLogger();
  const messages = collector<IAlienContactCreated>();
  const server = await startServer(cfg, { motifs, logger, onAlienContact: messages.push });
  running.push(server);
  return { server, real, logger, messages };
}

describe('contacts-api when a backend fails', () => {
  it('answers 503 with Retry-After and no driver detail when the repo is down, and stores nothing', async () => {
    const repoFaults: Faults = new Map([['create', down]]);
    const { server, real } = await start({ repo: repoFaults });
    const res = await http(server.url, 'POST', '/contacts', ada);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.body).toEqual({ error: 'service unavailable, try again later', code: 'MOTIFS_UNAVAILABLE' });
    expect(res.text).not.toContain('ECONNREFUSED');
    await expect(real.repo.count({})).resolves.toBe(0);
  });

  it('answers 503 for a backend timeout too', async () => {
    const { server, real } = await start({ repo: new Map([['retrieve', () => new MotifsErrorTimeout('no answer in 2000 ms')]]) });
    const created = await real.repo.create(ada);
    const res = await http(server.url, 'GET', `/contacts/${created.id}`);
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('MOTIFS_TIMEOUT');
  });

  it('refuses a patch with 503 and leaves the contact unchanged when the cache cannot be invalidated', async () => {
    const cacherFaults: Faults = new Map();
    const { server, real } = await start({ cacher: cacherFaults });
    const created = await real.repo.create(ada);
    cacherFaults.set('delItem', down);
    const res = await http(server.url, 'PATCH', `/contacts/${created.id}`, { firstName: 'Augusta' });
    expect(res.status).toBe(503);
    await expect(real.repo.retrieve(created.id)).resolves.toEqual(created);
  });

  it('refuses a delete with 503 and keeps the contact when the cache cannot be invalidated', async () => {
    const { server, real } = await start({ cacher: new Map([['delItem', down]]) });
    const created = await real.repo.create(ada);
    expect((await http(server.url, 'DELETE', `/contacts/${created.id}`)).status).toBe(503);
    await expect(real.repo.retrieve(created.id)).resolves.toEqual(created);
  });

  it('still serves reads from the repo when the cache is down, and logs it', async () => {
    const { server, real, logger } = await start({ cacher: new Map([['getItem', down], ['setItem', down]]) });
    const created = await real.repo.create(ada);
    const res = await http(server.url, 'GET', `/contacts/${created.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('miss');
    expect(res.body.data).toEqual(created);
    expect(logger.errors.map((e) => e.message)).toEqual(['cache read failed, reading the repo', 'cache write failed']);
  });

  it('does not cache a read that raced with a patch', async () => {
    const { server, real } = await start();
    const created = await real.repo.create(ada);
    // Hold the read between the repo and the cache fill while a patch goes through.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    const retrieve = real.repo.retrieve.bind(real.repo);
    real.repo.retrieve = async (id: string) => {
      const record = await retrieve(id);
      reached();
      await gate;
      return record;
    };
    const slowRead = http(server.url, 'GET', `/contacts/${created.id}`);
    await atGate;
    real.repo.retrieve = retrieve;
    expect((await http(server.url, 'PATCH', `/contacts/${created.id}`, { firstName: 'Augusta' })).status).toBe(200);
    release();
    expect((await slowRead).body.data.firstName).toBe('Ada');
    await expect(real.cacher.hasItem(`contacts/${created.id}`)).resolves.toBe(false);
    const fresh = await http(server.url, 'GET', `/contacts/${created.id}`);
    expect(fresh.headers.get('x-cache')).toBe('miss');
    expect(fresh.body.data.firstName).toBe('Augusta');
  });

  it('answers a bare 500 for an unexpected error, logging it server-side only', async () => {
    const secret = () => new Error('password=hunter2 at Object.<anonymous> (/srv/app.js:1:2)');
    const { server, real, logger } = await start({ repo: new Map([['retrieve', secret]]) });
    const created = await real.repo.create(ada);
    const res = await http(server.url, 'GET', `/contacts/${created.id}`);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'internal error' });
    expect(res.text).not.toContain('hunter2');
    expect(logger.errors).toHaveLength(1);
  });

  it('still creates the contact when announcing it fails, and logs the failure', async () => {
    const { server, real, logger } = await start({ publisher: new Map([['publish', down]]) });
    const res = await http(server.url, 'POST', '/contacts', ada);
    expect(res.status).toBe(201);
    await expect(real.repo.retrieve(res.body.data.id)).resolves.toEqual(res.body.data);
    await server.close(); // drains the announcement
    expect(logger.errors.map((e) => e.message)).toContain('announcing a contact failed');
  });

  it('ignores a malformed channel message and keeps delivering the next ones', async () => {
    const { server, real, logger, messages } = await start();
    await real.publisher.publish({ id: 42 } as unknown as IAlienContactCreated);
    await real.publisher.publish({ id: 'z-1', planet: 'mars' });
    await expect(messages.next((m) => m.id === 'z-1')).resolves.toEqual({ id: 'z-1', planet: 'mars' });
    expect(messages.seen).toEqual([{ id: 'z-1', planet: 'mars' }]);
    expect(logger.errors.map((e) => e.message)).toContain('ignored a malformed message');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('contacts-api lifecycle', () => {
  function spyClose(motifs: ContactsMotifs) {
    return Object.fromEntries(
      (Object.keys(motifs) as (keyof ContactsMotifs)[]).map((name) => [name, jest.spyOn(motifs[name]!, 'close')]),
    ) as Record<keyof ContactsMotifs, ReturnType<typeof jest.spyOn>>;
  }

  it('closes every motif once on close(), and stops answering', async () => {
    const cfg = config();
    const motifs = await openContactsMotifs(cfg);
    const spies = spyClose(motifs);
    const server = await startServer(cfg, { motifs, logger: recordingLogger() });
    expect((await http(server.url, 'GET', '/contacts')).status).toBe(200);
    await Promise.all([server.close(), server.close()]);
    for (const spy of Object.values(spies)) expect(spy).toHaveBeenCalledTimes(1);
    await expect(fetch(`${server.url}/contacts`)).rejects.toThrow();
  });

  it('retries a retryable listen() failure before serving', async () => {
    const cfg = config();
    const motifs = await openContactsMotifs(cfg);
    const listen = motifs.listener.listen.bind(motifs.listener);
    let calls = 0;
    motifs.listener.listen = async () => {
      calls += 1;
      if (calls < 3) throw new MotifsErrorUnavailable('unknown topic or partition');
      return listen();
    };
    const logger = recordingLogger();
    const server = await startServer(cfg, { motifs, logger, listenRetry: { attempts: 3, initialBackoffMs: 1 } });
    running.push(server);
    expect(calls).toBe(3);
    expect(logger.errors).toHaveLength(2);
    expect((await http(server.url, 'GET', '/contacts')).status).toBe(200);
  });

  it('gives up on a listen() failure that is not retryable and closes every motif', async () => {
    const cfg = config();
    const motifs = await openContactsMotifs(cfg);
    const spies = spyClose(motifs);
    motifs.listener.listen = async () => {
      throw new MotifsErrorUnavailable('authentication failed', { retryable: false });
    };
    await expect(startServer(cfg, { motifs, logger: recordingLogger(), listenRetry: { attempts: 5, initialBackoffMs: 1 } }))
      .rejects.toMatchObject({ code: 'MOTIFS_UNAVAILABLE', retryable: false });
    for (const spy of Object.values(spies)) expect(spy).toHaveBeenCalledTimes(1);
  });

  it('closes the motifs it built when the port is taken', async () => {
    const first = await start();
    const cfg = { ...config(), port: first.server.port };
    const motifs = await openContactsMotifs(cfg);
    const spies = spyClose(motifs);
    await expect(startServer(cfg, { motifs, logger: recordingLogger() })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    for (const spy of Object.values(spies)) expect(spy).toHaveBeenCalledTimes(1);
  });
});
