import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { RedisCommandIo } from '../src/redis/command-io.js';
import { TickCork, UNCORKED_PER_TICK } from '../src/redis/tick-cork.js';

/** A real Writable that records each write it flushes: corked writes arrive as one `writev`. */
function recordingStream(): { stream: Writable; flushes: number[] } {
  const flushes: number[] = [];
  const stream = new Writable({
    write(_chunk, _enc, done) {
      flushes.push(1);
      done();
    },
    writev(chunks, done) {
      flushes.push(chunks.length);
      done();
    },
  });
  return { stream, flushes };
}

const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('TickCork', () => {
  it('writes the first commands of a tick at once and the rest of it together at its end', async () => {
    const { stream, flushes } = recordingStream();
    const cork = new TickCork(2);
    for (let i = 0; i < 6; i++) {
      cork.touch({ stream });
      stream.write(`cmd ${i}`);
    }
    expect(stream.writableCorked).toBe(1); // corked once, not four times
    expect(flushes).toEqual([1, 1]); // the first two went out at once
    await nextTick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.writableCorked).toBe(0);
    expect(flushes).toEqual([1, 1, 4]);
    // The next tick starts over: a burst no longer than the uncorked count is never held.
    cork.touch({ stream });
    stream.write('later');
    cork.touch({ stream });
    stream.write('later 2');
    expect(stream.writableCorked).toBe(0);
    await nextTick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushes).toEqual([1, 1, 4, 1, 1]);
  });

  it(`lets ${UNCORKED_PER_TICK} commands of a tick go by default`, async () => {
    const { stream, flushes } = recordingStream();
    const cork = new TickCork();
    for (let i = 0; i < UNCORKED_PER_TICK; i++) {
      cork.touch({ stream });
      stream.write(`cmd ${i}`);
    }
    expect(stream.writableCorked).toBe(0);
    cork.touch({ stream });
    stream.write('one more');
    expect(stream.writableCorked).toBe(1);
    await nextTick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushes).toEqual([...Array<number>(UNCORKED_PER_TICK).fill(1), 1]);
  });

  it('does nothing for a client without a socket yet', () => {
    const cork = new TickCork();
    expect(() => cork.touch({})).not.toThrow();
    expect(() => cork.touch({ stream: {} })).not.toThrow();
  });
});

describe('RedisCommandIo autoPipelining', () => {
  const client = (stream: Writable, extra: Record<string, unknown> = {}) => ({
    status: 'ready',
    stream,
    connect: async () => undefined,
    on: () => undefined,
    off: () => undefined,
    ...extra,
  });

  it('corks a ready one-node connection for the tick when on, never when off or on a cluster', async () => {
    for (const [on, topology, isCluster, corked] of [
      [true, 'single', false, 1],
      [true, 'sentinel', false, 1],
      [false, 'single', false, 0],
      [true, 'cluster', true, 0],
    ] as const) {
      const { stream } = recordingStream();
      const io = new RedisCommandIo(client(stream, { isCluster }), true, 1000, topology, on);
      await Promise.all([io.run('a', async () => 1), io.run('b', async () => 2)]).then((values) => expect(values).toEqual([1, 2]));
      // run() resolved in microtasks of this tick; the cork is released at its end.
      await nextTick();
      expect(stream.writableCorked).toBe(0);
      const io2 = new RedisCommandIo(client(stream, { isCluster }), true, 1000, topology, on);
      // The first UNCORKED_PER_TICK calls of a tick are never held; the next one corks when on.
      for (let i = 0; i < UNCORKED_PER_TICK; i++) void io2.run('c', async () => 3);
      expect(stream.writableCorked).toBe(0);
      void io2.run('d', async () => 4);
      expect(stream.writableCorked).toBe(corked);
      await nextTick();
      expect(stream.writableCorked).toBe(0);
    }
  });
});
