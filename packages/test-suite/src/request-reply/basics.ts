import type { IResponder, RequestContext } from '@motifs/core';
import { eventually } from '../async.js';
import { type Req, type RequestReplySuiteContext, rejection } from './fixtures.js';

/** Round trips, progress, concurrency, competing responders and remote errors. */
export function basicsGroup({ api, setup, waitMs, partitioned }: RequestReplySuiteContext): void {
  const { describe, it, expect } = api;

  describe('replies', () => {
    it('a request resolves with the reply of the responder, which sees the request and its context', async () => {
      const ch = await setup();
      const responder = await ch.responder<Req, { doubled: number }>();
      const seen: { msg: Req; ctx: Omit<RequestContext, 'progress' | 'signal'> }[] = [];
      responder.onRequest(async (msg, ctx) => {
        seen.push({ msg, ctx: { correlationId: ctx.correlationId, deadline: ctx.deadline, headers: ctx.headers, attempt: ctx.attempt } });
        return { doubled: msg.n * 2 };
      });
      await responder.listen();
      const requester = await ch.requester<Req, { doubled: number }>({ timeoutMs: waitMs });
      const before = Date.now();
      await expect(requester.request({ n: 21 })).resolves.toEqual({ doubled: 42 });
      expect(seen).toHaveLength(1);
      expect(seen[0]!.msg).toEqual({ n: 21 });
      expect(typeof seen[0]!.ctx.correlationId).toBe('string');
      expect(seen[0]!.ctx.deadline).toBeGreaterThanOrEqual(before + waitMs);
      expect(seen[0]!.ctx.attempt).toBe(1);
      expect(requester.replyChannelId.startsWith(`${ch.channelId}.reply.`)).toBe(true);
      expect(requester.lateReplies).toBe(0);
    });

    it('a handler that returns nothing resolves the request with undefined', async () => {
      const ch = await setup();
      const responder = await ch.responder<Req, void>();
      responder.onRequest(async () => undefined);
      await responder.listen();
      const requester = await ch.requester<Req, void>({ timeoutMs: waitMs });
      await expect(requester.request({ n: 1 })).resolves.toBeUndefined();
    });

    it('progress reaches onProgress in the order it was sent, all before the reply', async () => {
      const ch = await setup();
      const responder = await ch.responder<Req, string, number>();
      responder.onRequest(async (msg, ctx) => {
        // Not awaited one by one: the order must hold anyway.
        const sent = [1, 2, 3, 4, 5].map((p) => ctx.progress(p * msg.n));
        await Promise.all(sent);
        await ctx.progress(99);
        return 'done';
      });
      await responder.listen();
      const requester = await ch.requester<Req, string, number>({ timeoutMs: waitMs });
      const progress: number[] = [];
      const reply = await requester.request({ n: 10 }, { onProgress: (p) => progress.push(p) });
      expect(reply).toBe('done');
      expect(progress).toEqual([10, 20, 30, 40, 50, 99]);
    });

    it('concurrent requests each get their own reply', async () => {
      const ch = await setup();
      const responder = await ch.responder<Req, { n: number; tag: string | undefined }>();
      responder.onRequest(async (msg) => {
        await new Promise((resolve) => setTimeout(resolve, (msg.n * 7) % 13));
        return { n: msg.n * msg.n, tag: msg.tag };
      });
      await responder.listen();
      const requester = await ch.requester<Req, { n: number; tag: string | undefined }>({ timeoutMs: waitMs });
      const ns = Array.from({ length: 25 }, (_, i) => i);
      const replies = await Promise.all(ns.map((n) => requester.request({ n, tag: `t${n}` })));
      expect(replies).toEqual(ns.map((n) => ({ n: n * n, tag: `t${n}` })));
    });

    it('responders in one group compete: each request is handled exactly once', async () => {
      const ch = await setup(3);
      const group = `competing-${Math.random().toString(36).slice(2, 8)}`;
      const handled = new Map<string, string[]>();
      const responders: IResponder<Req, string>[] = [];
      const owned = new Map<number, number[]>();
      for (let r = 0; r < 3; r++) {
        const responder = await ch.responder<Req, string>({ groupId: group });
        responder.em.on('rebalance', (e) => void owned.set(r, e.partitions));
        responder.onRequest(async (msg, ctx) => {
          handled.set(ctx.correlationId, [...(handled.get(ctx.correlationId) ?? []), `r${r}`]);
          return `r${r}:${msg.n}`;
        });
        responders.push(responder);
      }
      for (const responder of responders) await responder.listen();
      if (partitioned) {
        // The group is stable (each owns one partition) before anything is sent, so no request moves mid-flight.
        await eventually(() => [0, 1, 2].every((r) => owned.get(r)?.length === 1) && new Set([0, 1, 2].map((r) => owned.get(r)![0])).size === 3, {
          timeoutMs: waitMs,
          what: 'each responder to own one partition',
        });
      }
      const requester = await ch.requester<Req, string>({ timeoutMs: waitMs });
      const total = 30;
      const replies = await Promise.all(Array.from({ length: total }, (_, n) => requester.request({ n })));
      replies.forEach((reply, n) => expect(reply).toMatch(new RegExp(`^r[012]:${n}$`)));
      expect(handled.size).toBe(total);
      expect([...handled.values()].every((by) => by.length === 1)).toBe(true);
      if (partitioned) expect(new Set(replies.map((r) => r.slice(0, 2))).size).toBeGreaterThan(1);
    });
  });

  describe('remote errors', () => {
    it("a responder's motifs error reaches the requester with its code and message, and no stack", async () => {
      const ch = await setup();
      const responder = await ch.responder<Req, string>();
      const { MotifsErrorNotFound } = await import('@motifs/core');
      responder.onRequest(async function remoteHandlerThatThrows(msg) {
        throw new MotifsErrorNotFound(`no contact ${msg.n}`, { details: { secret: 'stays remote' } });
      });
      await responder.listen();
      const requester = await ch.requester<Req, string>({ timeoutMs: waitMs });
      const err = await rejection(requester.request({ n: 42 }));
      expect(err).toMatchObject({ name: 'MotifsErrorNotFound', code: 'MOTIFS_NOT_FOUND', message: 'no contact 42', retryable: false });
      expect(err instanceof MotifsErrorNotFound).toBe(true);
      expect(err.details).toMatchObject({ remote: true, remoteCode: 'MOTIFS_NOT_FOUND', channelId: ch.channelId });
      expect(JSON.stringify(err)).not.toContain('stays remote');
      expect(JSON.stringify(err)).not.toContain('remoteHandlerThatThrows');
      expect(String(err.stack)).not.toContain('remoteHandlerThatThrows');
    });

    it('any other error arrives as MOTIFS_HANDLER_FAILED with its message and its own code as appCode; validation issues travel', async () => {
      const ch = await setup();
      const responder = await ch.responder<Req, string>();
      const { MotifsErrorValidation } = await import('@motifs/core');
      responder.onRequest(async function remoteHandler(msg) {
        if (msg.n === 1) throw Object.assign(new Error('disk on fire'), { code: 'E_FIRE' });
        throw new MotifsErrorValidation('bad n', { issues: [{ path: ['n'], message: 'must be 1' }] });
      });
      await responder.listen();
      const requester = await ch.requester<Req, string>({ timeoutMs: waitMs });
      const plain = await rejection(requester.request({ n: 1 }));
      expect(plain).toMatchObject({ code: 'MOTIFS_HANDLER_FAILED', message: 'disk on fire' });
      expect(plain.details).toMatchObject({ remote: true, appCode: 'E_FIRE' });
      expect(String(plain.stack)).not.toContain('remoteHandler');
      const invalid = await rejection(requester.request({ n: 2 }));
      expect(invalid).toMatchObject({ code: 'MOTIFS_VALIDATION', message: 'bad n', issues: [{ path: ['n'], message: 'must be 1' }] });
    });

    it('a reply the codec cannot carry reaches the requester as MOTIFS_SERIALIZATION', async () => {
      const ch = await setup();
      const responder = await ch.responder<Req, unknown>();
      responder.onRequest(async () => ({ big: 10n }));
      await responder.listen();
      const requester = await ch.requester<Req, unknown>({ timeoutMs: waitMs });
      const err = await rejection(requester.request({ n: 1 }));
      expect(err).toMatchObject({ code: 'MOTIFS_SERIALIZATION' });
      expect(err.details).toMatchObject({ remote: true });
    });
  });
}
