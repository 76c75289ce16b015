import { deferred, eventually } from '../async.js';
import { asyncDispose } from '../dispose.js';
import { type Req, type RequestReplySuiteContext, rejection } from './fixtures.js';

/** No responder, timeouts and late replies, aborts, close and its cleanup, bad input. */
export function failuresGroup({ api, setup, waitMs, shortMs }: RequestReplySuiteContext): void {
  const { describe, it, expect } = api;

  describe('no reply', () => {
    it('without a responder the request rejects MOTIFS_UNAVAILABLE after noResponderMs, not a timeout', async () => {
      const ch = await setup();
      const requester = await ch.requester<Req, string>({ timeoutMs: waitMs * 10, noResponderMs: shortMs });
      const err = await rejection(requester.request({ n: 1 }));
      expect(err).toMatchObject({ code: 'MOTIFS_UNAVAILABLE', outcomeUnknown: true });
      expect(err.details).toMatchObject({ noResponderMs: shortMs });
    });

    it('a reply after timeoutMs rejects MOTIFS_TIMEOUT; the late reply is dropped and counted', async () => {
      const ch = await setup();
      const held = deferred();
      const started = deferred();
      const responder = await ch.responder<Req, string>();
      responder.onRequest(async (msg) => {
        started.resolve();
        await held.promise;
        return `late ${msg.n}`;
      });
      await responder.listen();
      // noResponderMs not below timeoutMs: only the reply timeout applies.
      const requester = await ch.requester<Req, string>({ timeoutMs: shortMs, noResponderMs: shortMs });
      const late: string[] = [];
      requester.em.on('late', (e) => void late.push(e.correlationId));
      const err = await rejection(requester.request({ n: 7 }));
      expect(err).toMatchObject({ code: 'MOTIFS_TIMEOUT', outcomeUnknown: true });
      await started.promise;
      held.resolve();
      await eventually(() => requester.lateReplies === 1, { timeoutMs: waitMs, what: 'the late reply to be counted' });
      expect(late).toEqual([(err.details as { correlationId: string }).correlationId]);
    });

    it('a reply to a requester that closed is not written: its reply channel stays deleted', async () => {
      const ch = await setup();
      const held = deferred();
      const started = deferred();
      const responder = await ch.responder<Req, string>();
      const skipped: string[] = [];
      responder.em.on('skipped', (e) => void skipped.push(`${e.reason}:${e.correlationId}`));
      responder.onRequest(async () => {
        started.resolve();
        await held.promise;
        return 'nobody listens';
      });
      await responder.listen();
      const requester = await ch.requester<Req, string>({ timeoutMs: shortMs, noResponderMs: shortMs });
      const err = await rejection(requester.request({ n: 1 }));
      expect(err).toMatchObject({ code: 'MOTIFS_TIMEOUT' });
      await started.promise;
      await requester.close();
      await eventually(async () => !(await ch.channelExists(requester.replyChannelId)), { timeoutMs: waitMs, what: 'the reply channel to be deleted' });
      held.resolve();
      const correlationId = (err.details as { correlationId: string }).correlationId;
      await eventually(() => skipped.includes(`orphaned:${correlationId}`), { timeoutMs: waitMs, what: 'the orphaned reply to be skipped' });
      expect(await ch.channelExists(requester.replyChannelId)).toBe(false);
    });

    it('a request past its deadline is skipped by the responder', async () => {
      const ch = await setup();
      const requester = await ch.requester<Req, string>({ timeoutMs: waitMs });
      const raw = await ch.publisher<Req>();
      const headers = { 'motifs-correlation-id': 'expired-1', 'motifs-reply-to': requester.replyChannelId, 'motifs-deadline': String(Date.now() - 1) };
      await raw.publish({ n: 0 }, { key: 'expired-1', headers });
      const responder = await ch.responder<Req, string>();
      const calls: number[] = [];
      const skipped: string[] = [];
      responder.em.on('skipped', (e) => void skipped.push(`${e.reason}:${e.correlationId}`));
      responder.onRequest(async (msg) => {
        calls.push(msg.n);
        return 'ok';
      });
      await responder.listen();
      await expect(requester.request({ n: 1 })).resolves.toBe('ok');
      await eventually(() => skipped.length === 1, { timeoutMs: waitMs, what: 'the expired request to be skipped' });
      expect(skipped).toEqual(['expired:expired-1']);
      expect(calls).toEqual([1]);
      expect(requester.lateReplies).toBe(0);
    });

    it('a message without request headers is reported to onError as MOTIFS_VALIDATION and skipped', async () => {
      const ch = await setup();
      const raw = await ch.publisher<Req>();
      await raw.publish({ n: 0 });
      const responder = await ch.responder<Req, string>();
      const errors: unknown[] = [];
      responder.onError(async (err) => void errors.push(err));
      responder.onRequest(async (msg) => `ok ${msg.n}`);
      await responder.listen();
      const requester = await ch.requester<Req, string>({ timeoutMs: waitMs });
      await expect(requester.request({ n: 1 })).resolves.toBe('ok 1');
      await eventually(() => errors.length === 1, { timeoutMs: waitMs, what: 'the malformed request to be reported' });
      expect(errors[0]).toMatchObject({ code: 'MOTIFS_VALIDATION' });
    });
  });

  describe('aborts and close', () => {
    it('an aborted signal rejects MOTIFS_ABORTED: before sending (nothing is sent) and while waiting', async () => {
      const ch = await setup();
      const held = deferred();
      const calls: number[] = [];
      const responder = await ch.responder<Req, string>();
      responder.onRequest(async (msg) => {
        calls.push(msg.n);
        if (msg.n === 2) await held.promise;
        return `ok ${msg.n}`;
      });
      await responder.listen();
      const requester = await ch.requester<Req, string>({ timeoutMs: waitMs });
      const reason = new Error('user left');
      await expect(requester.request({ n: 1 }, { signal: AbortSignal.abort(reason) })).rejects.toMatchObject({ code: 'MOTIFS_ABORTED', cause: reason });
      const controller = new AbortController();
      const progress: unknown[] = [];
      const pending = requester.request({ n: 2 }, { signal: controller.signal, onProgress: (p) => progress.push(p) });
      await eventually(() => calls.includes(2), { timeoutMs: waitMs, what: 'the responder to take the request' });
      controller.abort(reason);
      await expect(pending).rejects.toMatchObject({ code: 'MOTIFS_ABORTED', cause: reason });
      held.resolve();
      await expect(requester.request({ n: 3 })).resolves.toBe('ok 3');
      expect(calls).toEqual([2, 3]);
    });

    it('close() rejects pending requests, refuses new ones and deletes the reply channel', async () => {
      const ch = await setup();
      // No responder: nothing can write to the reply channel once it is deleted.
      const requester = await ch.requester<Req, string>({ timeoutMs: waitMs, noResponderMs: waitMs });
      const replyChannelId = requester.replyChannelId;
      expect(await ch.channelExists(replyChannelId)).toBe(true);
      const pending = requester.request({ n: 1 });
      await requester.close();
      await expect(pending).rejects.toMatchObject({ code: 'MOTIFS_UNAVAILABLE', retryable: false });
      await expect(requester.request({ n: 2 })).rejects.toMatchObject({ code: 'MOTIFS_UNAVAILABLE', retryable: false });
      await eventually(async () => !(await ch.channelExists(replyChannelId)), { timeoutMs: waitMs, what: 'the reply channel to be deleted' });
    });

    it('await using closes requesters and responders', async () => {
      const ch = await setup();
      const requester = await ch.requester<Req, string>({ timeoutMs: waitMs });
      const responder = await ch.responder<Req, string>();
      const closed: string[] = [];
      requester.em.on('closed', () => void closed.push('requester'));
      responder.em.on('closed', () => void closed.push('responder'));
      await asyncDispose(requester);
      await asyncDispose(responder);
      await eventually(() => closed.length === 2, { timeoutMs: waitMs, what: 'both closed events' });
      await expect(requester.request({ n: 1 })).rejects.toMatchObject({ code: 'MOTIFS_UNAVAILABLE' });
    });
  });

  describe('bad input', () => {
    it('bad request options and unencodable messages reject with typed errors and send nothing', async () => {
      const ch = await setup();
      const calls: number[] = [];
      const responder = await ch.responder<Req, string>();
      responder.onRequest(async (msg) => {
        calls.push(msg.n);
        return 'ok';
      });
      await responder.listen();
      const requester = await ch.requester<Req, string>({ timeoutMs: waitMs });
      const bad: [unknown, string][] = [
        [{ timeoutMs: -1 }, 'MOTIFS_VALIDATION'],
        [{ timeoutMs: Number.NaN }, 'MOTIFS_VALIDATION'],
        [{ noResponderMs: 0 }, 'MOTIFS_VALIDATION'],
        [{ signal: {} }, 'MOTIFS_VALIDATION'],
        [{ onProgress: 'yes' }, 'MOTIFS_VALIDATION'],
        ['fast', 'MOTIFS_VALIDATION'],
      ];
      for (const [options, code] of bad) {
        await expect(requester.request({ n: 1 }, options as never)).rejects.toMatchObject({ code });
      }
      await expect(requester.request({ n: 2, f: () => 1 } as unknown as Req)).rejects.toMatchObject({ code: 'MOTIFS_SERIALIZATION' });
      await expect(requester.request({ n: 3 })).resolves.toBe('ok');
      expect(calls).toEqual([3]);
    });

    it('a responder refuses a missing or second handler and listen() without one', async () => {
      const ch = await setup();
      const responder = await ch.responder<Req, string>();
      expect(codeOf(() => responder.onRequest('nope' as never))).toBe('MOTIFS_VALIDATION');
      await expect(responder.listen()).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
      responder.onRequest(async () => 'ok');
      expect(codeOf(() => responder.onRequest(async () => 'again'))).toBe('MOTIFS_VALIDATION');
    });
  });
}

/** The `code` of what `fn` throws (undefined when it does not throw). */
function codeOf(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return undefined;
}
