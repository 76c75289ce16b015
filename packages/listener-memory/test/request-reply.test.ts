import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { makeRequesterWith, makeResponderWith } from '@motifs/core/kit';
import { requestReplyContract, uniqueNamespace } from '@motifs/test-suite';
import { MemoryChannelHub, createMemoryPublisher } from '../src/index.js';

const hub = new MemoryChannelHub();
// Core finds this package's factories (and its channel admin) through these loaders.
const loaders = { '@motifs/listener-memory': () => import('../src/index.js') };

requestReplyContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
  title: 'memory',
  timeouts: { waitMs: 5000, shortMs: 300 },
  async create({ partitions }) {
    const channelId = uniqueNamespace('rr');
    hub.channel(channelId, partitions);
    return {
      channelId,
      requester: (o = {}) => makeRequesterWith({ kind: 'memory', channelId, memory: { hub }, ...o }, loaders),
      responder: (o = {}) => makeResponderWith({ kind: 'memory', channelId, memory: { hub, fromBeginning: true, groupId: o.groupId ?? uniqueNamespace('responders') } }, loaders),
      publisher: async () => createMemoryPublisher({ channelId, memory: { hub } }),
      channelExists: async (id) => hub.has(id),
    };
  },
});

describe('request/reply on memory: failures', () => {
  it('a reply that cannot be written leaves the request unacknowledged: it is handled again and the reply arrives', async () => {
    let failures = 0;
    const flaky = new MemoryChannelHub({
      beforeAppend: (channelId, record) => {
        if (channelId.includes('.reply.') && record.value.includes('"t":"reply"') && failures++ === 0) throw new Error('reply channel down');
      },
    });
    const channelId = uniqueNamespace('rr-flaky');
    const memory = { hub: flaky, retry: { attempts: 3, initialBackoffMs: 5, factor: 1, maxBackoffMs: 5 } };
    const responder = await makeResponderWith<{ n: number }, number>({ kind: 'memory', channelId, memory: { ...memory, groupId: 'flaky' } }, loaders);
    const handled: number[] = [];
    responder.onRequest(async ({ n }) => {
      handled.push(n);
      return n + 1;
    });
    await responder.listen();
    const requester = await makeRequesterWith<{ n: number }, number>({ kind: 'memory', channelId, memory: { hub: flaky }, timeoutMs: 5000 }, loaders);
    await expect(requester.request({ n: 1 })).resolves.toBe(2);
    expect(handled).toEqual([1, 1]);
    expect(requester.lateReplies).toBe(0);
    await requester.close();
    await responder.close();
    expect(flaky.has(requester.replyChannelId)).toBe(false);
  });

  it('past the deadline the reply channel is looked up before every frame: there for a progress frame, gone by the reply, the reply is skipped as orphaned', async () => {
    const channelId = uniqueNamespace('rr-late');
    hub.channel(channelId, 1);
    const requester = await makeRequesterWith<{ n: number }, string>({ kind: 'memory', channelId, memory: { hub }, timeoutMs: 60_000 }, loaders);
    const responder = await makeResponderWith<{ n: number }, string, string>({ kind: 'memory', channelId, memory: { hub, fromBeginning: true, groupId: uniqueNamespace('late') } }, loaders);
    const skipped: string[] = [];
    responder.em.on('skipped', (e) => void skipped.push(`${e.reason}:${e.correlationId}`));
    let progressed!: () => void;
    const progressSent = new Promise<void>((resolve) => (progressed = resolve));
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const deadline = Date.now() + 100;
    responder.onRequest(async (_msg, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()) + 20));
      // Past the deadline, the requester still open: this frame is written.
      await ctx.progress('still working');
      progressed();
      await finished;
      return 'too late';
    });
    await responder.listen();
    // A request as a requester writes it, with a deadline 100 ms away (the requester itself waits on).
    const headers = { 'motifs-correlation-id': 'late-1', 'motifs-reply-to': requester.replyChannelId, 'motifs-deadline': String(deadline) };
    await createMemoryPublisher({ channelId, memory: { hub } }).publish({ n: 1 }, { key: 'late-1', headers });
    await progressSent;
    expect(hub.has(requester.replyChannelId)).toBe(true);
    await requester.close();
    expect(hub.has(requester.replyChannelId)).toBe(false);
    finish();
    const until = Date.now() + 5000;
    while (!skipped.includes('orphaned:late-1') && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(skipped).toEqual(['orphaned:late-1']);
    // The reply was not written: writing it would have created the channel again.
    expect(hub.has(requester.replyChannelId)).toBe(false);
    await responder.close();
  });
});
