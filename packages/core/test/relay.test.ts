// The outbox relay (makeRelay) over a tiny in-test log: a listener that reads one message at a
// time and commits a group position only for acknowledged messages, and a publisher that appends
// (or fails as the test says). Both are built on the kit's base classes, so retries, dead letters
// and close() behave as in every real adapter.
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import {
  type DeadLetter,
  type EncodedMessage,
  type IListener,
  type IPublisher,
  ListenerBase,
  type ListenerCommonOptions,
  MotifsErrorUnavailable,
  MotifsErrorValidation,
  PublisherBase,
  RELAY_HEADERS,
  isMotifsError,
  makeRelay,
  registerKind,
  unregisterKind,
} from '../src/kit.js';

interface Entry {
  value: string;
  key: string | undefined;
  headers: Record<string, string> | undefined;
}

/** Channels of the fake kind: an append-only list per channel and a committed position per group. */
const logs = new Map<string, Entry[]>();
const committed = new Map<string, number>();
const wakers = new Set<() => void>();
const logOf = (channelId: string) => logs.get(channelId) ?? (logs.set(channelId, []), logs.get(channelId)!);
function append(channelId: string, entry: Entry): void {
  logOf(channelId).push(entry);
  for (const wake of [...wakers]) wake();
}
const values = (channelId: string) => logOf(channelId).map((e) => JSON.parse(e.value) as unknown);

type FakeOptions = { channelId: string; fake?: ListenerCommonOptions & { failPublish?: (n: number, entry: EncodedMessage) => unknown } };

class FakeListener<T> extends ListenerBase<T> {
  private running: Promise<void> | undefined;
  private inFlight: Promise<unknown> | undefined;
  private inFlightOffset: string | undefined;
  constructor(options: FakeOptions) {
    super({ channelId: options.channelId, options: { closeTimeoutMs: 200, ...options.fake } as ListenerCommonOptions<T>, path: 'fake', deadLetterChannelId: `${options.channelId}.dlq` });
  }
  private get position(): string {
    return `${this.channelId}/${this.groupId}`;
  }
  protected async startTransport() {
    this.running = this.loop();
  }
  private async loop(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      const at = committed.get(this.position) ?? 0;
      const entry = logOf(this.channelId)[at];
      if (!entry) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            wakers.delete(wake);
            resolve();
          };
          wakers.add(wake);
          signal.addEventListener('abort', wake, { once: true });
        });
        continue;
      }
      this.inFlightOffset = String(at);
      const outcome = this.deliver({ value: entry.value, key: entry.key ?? null, headers: entry.headers, partition: 0, offset: String(at) }, signal);
      this.inFlight = outcome;
      if ((await outcome) === 'redeliver') return;
      committed.set(this.position, at + 1);
      this.inFlight = undefined;
    }
  }
  protected async stopTransport() {
    const inFlight = this.inFlight;
    if (inFlight) {
      const settled = await Promise.race([inFlight.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), this.closeTimeoutMs))]);
      if (!settled) await this.abandon(0, this.inFlightOffset!);
    } else {
      await this.running;
    }
  }
  protected async sendDeadLetter(letter: DeadLetter) {
    append(letter.channelId, { value: String(letter.value), key: letter.key === null || letter.key === undefined ? undefined : String(letter.key), headers: letter.headers });
  }
}

class FakePublisher<T> extends PublisherBase<T> {
  private count = 0;
  private readonly fail: ((n: number, entry: EncodedMessage) => unknown) | undefined;
  constructor(options: FakeOptions) {
    super({ channelId: options.channelId, options: {}, path: 'fake' });
    this.fail = options.fake?.failPublish;
  }
  protected async sendEncoded(message: EncodedMessage) {
    const n = ++this.count;
    const err = this.fail?.(n, message);
    if (err) throw err;
    append(this.channelId, message);
  }
  protected async closeTransport() {}
}

let seq = 0;
const unique = (what: string) => `${what}-${process.pid}-${++seq}`;
const fast = { initialBackoffMs: 1, maxBackoffMs: 5 };

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const publishAll = (channelId: string, msgs: { id: string; n: number }[]) => {
  for (const m of msgs) append(channelId, { value: JSON.stringify(m), key: m.id, headers: undefined });
};

const built: { listeners: FakeListener<unknown>[]; publishers: FakePublisher<unknown>[] } = { listeners: [], publishers: [] };
registerKind('listener', 'fake', (o: FakeOptions) => {
  const l = new FakeListener<unknown>(o);
  built.listeners.push(l);
  return l;
});
registerKind('publisher', 'fake', (o: FakeOptions) => {
  const p = new FakePublisher<unknown>(o);
  built.publishers.push(p);
  return p;
});
afterEach(() => {
  built.listeners.length = 0;
  built.publishers.length = 0;
});
afterAll(() => {
  unregisterKind('listener', 'fake');
  unregisterKind('publisher', 'fake');
});

const src = (channelId: string, fake: FakeOptions['fake'] = {}) => ({ kind: 'fake', channelId, fake: { groupId: 'relay', fromBeginning: true, ...fake } }) as never;
const dst = (channelId: string, fake: FakeOptions['fake'] = {}) => ({ kind: 'fake', channelId, fake }) as never;
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (err: unknown) => (isMotifsError(err) ? err.code : String(err)));

describe('makeRelay', () => {
  it('forwards every message with its key and headers, in order, and acknowledges each one', async () => {
    const [from, to] = [unique('in'), unique('out')];
    const msgs = Array.from({ length: 20 }, (_, n) => ({ id: `r${n % 4}`, n }));
    publishAll(from, msgs);
    append(from, { value: '{"id":"h","n":20}', key: 'h', headers: { tenant: 'blue' } });
    await using relay = await makeRelay({ from: src(from), to: dst(to) });
    const forwarded: unknown[] = [];
    relay.em.on('forwarded', (e) => {
      forwarded.push(e);
    });
    await relay.start();
    await until(() => logOf(to).length === 21, '21 forwarded messages');
    expect(values(to)).toEqual([...msgs, { id: 'h', n: 20 }]);
    expect(logOf(to).map((e) => e.key)).toEqual([...msgs.map((m) => m.id), 'h']);
    expect(logOf(to)[20]!.headers).toEqual({
      tenant: 'blue',
      [RELAY_HEADERS.sourceChannel]: from,
      [RELAY_HEADERS.sourcePartition]: '0',
      [RELAY_HEADERS.sourceOffset]: '20',
    });
    await until(() => committed.get(`${from}/relay`) === 21, 'every source message acknowledged');
    await until(() => forwarded.length === 21, 'forwarded events');
    expect(forwarded[0]).toEqual({ from, to, partition: 0, offset: '0', key: 'r0' });
  });

  it('a restarted relay resumes from its group: every message reaches the target at least once, in order per key', async () => {
    const [from, to] = [unique('in'), unique('out')];
    const msgs = Array.from({ length: 30 }, (_, n) => ({ id: `r${n % 3}`, n }));
    publishAll(from, msgs);
    // The first relay is stopped once 10 messages are through; the target loses nothing it accepted.
    const first = await makeRelay({ from: src(from), to: dst(to) });
    await first.start();
    await until(() => logOf(to).length >= 10, '10 forwarded');
    await first.close();
    const cut = logOf(to).length;
    expect(committed.get(`${from}/relay`)).toBeLessThanOrEqual(cut);
    const second = await makeRelay({ from: src(from), to: dst(to) });
    await second.start();
    await until(() => committed.get(`${from}/relay`) === 30, 'all acknowledged');
    await second.close();
    const got = values(to) as { id: string; n: number }[];
    expect(new Set(got.map((m) => m.n)).size).toBe(30);
    for (const id of ['r0', 'r1', 'r2']) {
      const ns = got.filter((m) => m.id === id).map((m) => m.n);
      // At-least-once: a copy may repeat, never go back before an earlier one was first seen.
      const firsts = ns.filter((n, i) => ns.indexOf(n) === i);
      expect(firsts).toEqual(msgs.filter((m) => m.id === id).map((m) => m.n));
    }
  });

  it('retries a transient publish failure inside the relay, so order holds and nothing is dead-lettered', async () => {
    const [from, to] = [unique('in'), unique('out')];
    publishAll(from, [{ id: 'a', n: 1 }, { id: 'a', n: 2 }, { id: 'a', n: 3 }]);
    const outage = new MotifsErrorUnavailable('target down', { outcomeUnknown: true, retryable: false });
    const failPublish = (n: number) => (n >= 2 && n <= 5 ? outage : undefined);
    // The source gives up after one try: without the relay's own retry, message 2 would be dead-lettered.
    await using relay = await makeRelay({ from: src(from, { retry: { attempts: 1 } }), to: dst(to, { failPublish }), publishRetry: fast });
    const retries: number[] = [];
    relay.em.on('publish.retry', (e) => {
      retries.push(e.attempt);
    });
    await relay.start();
    await until(() => logOf(to).length === 3, 'all three forwarded');
    expect(values(to)).toEqual([{ id: 'a', n: 1 }, { id: 'a', n: 2 }, { id: 'a', n: 3 }]);
    expect(retries).toEqual([2, 3, 4, 5]);
    expect(logOf(`${from}.dlq`)).toEqual([]);
  });

  it('a publish that cannot succeed goes through the source retry policy to its dead letter, and later messages flow', async () => {
    const [from, to] = [unique('in'), unique('out')];
    publishAll(from, [{ id: 'a', n: 1 }, { id: 'b', n: 2 }, { id: 'c', n: 3 }]);
    let attemptsOnB = 0;
    const failPublish = (_n: number, m: EncodedMessage) => (m.key === 'b' ? (attemptsOnB++, new MotifsErrorValidation('refused by target')) : undefined);
    const relay = await makeRelay({ from: src(from, { retry: { attempts: 2, ...fast } }), to: dst(to, { failPublish }), publishRetry: fast });
    const errors: unknown[] = [];
    relay.listener.onError(async (err) => {
      errors.push(err);
    });
    await relay.start();
    await until(() => logOf(to).length === 2 && logOf(`${from}.dlq`).length === 1, 'two forwarded, one dead letter');
    await relay.close();
    expect(values(to)).toEqual([{ id: 'a', n: 1 }, { id: 'c', n: 3 }]);
    // Not transient: the relay did not retry it itself; the source tried twice.
    expect(attemptsOnB).toBe(2);
    const letter = logOf(`${from}.dlq`)[0]!;
    expect(JSON.parse(letter.value)).toEqual({ id: 'b', n: 2 });
    expect(letter.headers).toMatchObject({ 'motifs-dlq-reason': 'handler', 'motifs-dlq-source-offset': '1', 'motifs-dlq-attempts': '2' });
    expect(errors.map((e) => (isMotifsError(e) ? e.code : e))).toEqual(['MOTIFS_HANDLER_FAILED']);
  });

  it('close() during a target outage abandons the message in flight; the next relay delivers it', async () => {
    const [from, to] = [unique('in'), unique('out')];
    publishAll(from, [{ id: 'a', n: 1 }, { id: 'a', n: 2 }]);
    let down = true;
    const failPublish = () => (down ? new MotifsErrorUnavailable('target down') : undefined);
    const relay = await makeRelay({ from: src(from, { closeTimeoutMs: 50 }), to: dst(to, { failPublish }), publishRetry: fast });
    const abandoned: string[] = [];
    relay.listener.em.on('abandoned', (e) => {
      abandoned.push(e.offset);
    });
    const errors: string[] = [];
    relay.listener.onError(async (err) => {
      errors.push(isMotifsError(err) ? err.code : String(err));
    });
    let retries = 0;
    relay.em.on('publish.retry', () => {
      retries++;
    });
    await relay.start();
    await until(() => retries >= 3, 'a few retries');
    await relay.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(abandoned).toEqual(['0']);
    expect(errors).toEqual(['MOTIFS_ABANDONED']);
    expect(committed.get(`${from}/relay`)).toBeUndefined();
    expect(logOf(`${from}.dlq`)).toEqual([]);
    const after = retries;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(retries).toBe(after); // no retry loop outlives close()

    down = false;
    await using again = await makeRelay({ from: src(from), to: dst(to) });
    await again.start();
    await until(() => committed.get(`${from}/relay`) === 2, 'both acknowledged');
    expect(values(to)).toEqual([{ id: 'a', n: 1 }, { id: 'a', n: 2 }]);
  });

  it('uses key() for the target key; a key() that returns a non-string dead-letters the message', async () => {
    const [from, to] = [unique('in'), unique('out')];
    publishAll(from, [{ id: 'a', n: 1 }, { id: 'b', n: 2 }, { id: 'c', n: 3 }]);
    const key = (msg: { id: string; n: number }) => (msg.id === 'b' ? (42 as unknown as string) : `k-${msg.n}`);
    await using relay = await makeRelay<{ id: string; n: number }>({ from: src(from, { retry: { attempts: 1 } }), to: dst(to), key });
    relay.listener.onError(async () => undefined);
    await relay.start();
    await until(() => logOf(to).length === 2 && logOf(`${from}.dlq`).length === 1, 'two forwarded, one dead letter');
    expect(logOf(to).map((e) => e.key)).toEqual(['k-1', 'k-3']);
    expect(logOf(`${from}.dlq`)[0]!.headers).toMatchObject({ 'motifs-dlq-error-code': 'MOTIFS_HANDLER_FAILED' });
    expect(logOf(`${from}.dlq`)[0]!.headers!['motifs-dlq-error']).toContain('key must return a string or undefined, got number');
  });

  it('keeps a W3C traceparent header and drops a malformed one (the target would refuse it)', async () => {
    const [from, to] = [unique('in'), unique('out')];
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    append(from, { value: '1', key: undefined, headers: { traceparent } });
    append(from, { value: '2', key: undefined, headers: { traceparent: 'not-a-trace', other: 'x' } });
    await using relay = await makeRelay({ from: src(from), to: dst(to) });
    await relay.start();
    await until(() => logOf(to).length === 2, 'both forwarded');
    expect(logOf(to)[0]!.headers).toMatchObject({ traceparent });
    expect(logOf(to)[1]!.headers).not.toHaveProperty('traceparent');
    expect(logOf(to)[1]!.headers).toMatchObject({ other: 'x' });
    expect(logOf(to).map((e) => e.key)).toEqual([undefined, undefined]);
  });

  it('takes ready instances, and close() closes both (listener first), once', async () => {
    const [from, to] = [unique('in'), unique('out')];
    const listener = new FakeListener<unknown>({ channelId: from, fake: { groupId: 'relay', fromBeginning: true } });
    const publisher = new FakePublisher<unknown>({ channelId: to });
    const order: string[] = [];
    listener.em.on('closed', () => {
      order.push('listener');
    });
    publisher.em.on('closed', () => {
      order.push('publisher');
    });
    publishAll(from, [{ id: 'a', n: 1 }]);
    const relay = await makeRelay({ from: listener as IListener, to: publisher as IPublisher });
    expect(relay.listener).toBe(listener);
    expect(relay.publisher).toBe(publisher);
    await relay.start();
    await relay.start();
    await until(() => logOf(to).length === 1, 'forwarded');
    await Promise.all([relay.close(), relay.close()]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['listener', 'publisher']);
    expect(await codeOf(relay.start())).toBe('MOTIFS_UNAVAILABLE');
    expect(await codeOf(publisher.publish(1))).toBe('MOTIFS_UNAVAILABLE');
  });

  it('start({ signal }) closes the source and the target when the signal aborts', async () => {
    const [from, to] = [unique('in'), unique('out')];
    publishAll(from, [{ id: 'a', n: 1 }]);
    const relay = await makeRelay({ from: src(from), to: dst(to) });
    const closed: unknown[] = [];
    relay.em.on('closed', (e) => {
      closed.push(e);
    });
    const ac = new AbortController();
    await relay.start({ signal: ac.signal });
    await until(() => logOf(to).length === 1, 'forwarded');
    ac.abort();
    await until(() => closed.length === 1, 'the relay closed');
    expect(closed).toEqual([{ from, to }]);
    expect(await codeOf(relay.publisher.publish({ id: 'b', n: 2 }))).toBe('MOTIFS_UNAVAILABLE');
    const aborted = await makeRelay({ from: src(unique('in')), to: dst(unique('out')) });
    expect(await codeOf(aborted.start({ signal: AbortSignal.abort() }))).toBe('MOTIFS_ABORTED');
    await aborted.close();
  });

  it('rejects bad options with MOTIFS_VALIDATION and builds nothing', async () => {
    const ok = { from: src('in-x'), to: dst('out-x') };
    const cases: [unknown, string][] = [
      [undefined, 'options'],
      ['relay', 'options'],
      [{ to: ok.to }, 'from'],
      [{ from: ok.from }, 'to'],
      [{ ...ok, from: 'redis://x' }, 'from'],
      [{ ...ok, from: { kind: 'fake' } }, 'from.channelId'],
      [{ ...ok, to: { channelId: 'x' } }, 'to.kind'],
      [{ ...ok, key: 'id' }, 'key'],
      [{ ...ok, publishRetry: { attempts: 0 } }, 'publishRetry.attempts'],
      [{ ...ok, publishRetry: 'forever' }, 'publishRetry'],
      [{ ...ok, keys: () => 'x' }, 'keys'],
      [{ from: src('same'), to: { kind: 'fake', channelId: 'same', fake: {} } }, 'to'],
      [{ from: src('orders.*'), to: dst('orders.all') }, 'to'],
    ];
    for (const [options, path] of cases) {
      const err = await makeRelay(options as never).catch((e: unknown) => e);
      expect(isMotifsError(err, 'MOTIFS_VALIDATION')).toBe(true);
      expect((err as MotifsErrorValidation).issues[0]!.path.join('.')).toBe(path);
    }
    expect(built.listeners).toEqual([]);
    expect(built.publishers).toEqual([]);
  });

  it('closes the listener it built when the publisher cannot be built', async () => {
    const err = await makeRelay({ from: src(unique('in')), to: { kind: 'no-such-kind', channelId: 'out' } as never }).catch((e: unknown) => e);
    expect(isMotifsError(err, 'MOTIFS_ADAPTER_MISSING')).toBe(true);
    expect(built.listeners).toHaveLength(1);
    expect(await codeOf(built.listeners[0]!.listen())).toBe('MOTIFS_UNAVAILABLE');
  });
});
