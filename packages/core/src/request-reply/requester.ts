/** The requester side of request/reply: publish with correlation headers, await frames on an own reply channel. */
import Emittery from 'emittery';
import { randomBytes, randomUUID } from 'node:crypto';
import { MotifsError, MotifsErrorAborted, MotifsErrorAdapterMissing, MotifsErrorTimeout, MotifsErrorUnavailable } from '../errors.js';
import type { IListener, IPublisher, MessageContext } from '../listener.js';
import { emitSafe } from '../listener/dispatcher.js';
import { closedError } from '../listener/lifecycle.js';
import { jsonMessageCodec } from '../listener/options.js';
import { type ResolvedMotifsLogger, resolveLogger } from '../logger.js';
import { type AdapterLoaders, makeMotif } from '../registry.js';
import type { IRequester, MakeRequesterOptions, RequestOptions, RequesterEvents } from '../request-reply.js';
import { type IChannelAdmin, makeChannelAdmin } from './channel-admin.js';
import { REQUEST_HEADERS, readFrame, remoteError } from './frames.js';
import { DEFAULT_NO_RESPONDER_MS, DEFAULT_REQUEST_TIMEOUT_MS, readMs, readRequestOptions, readShape, replyChannelOptions } from './options.js';

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
  onProgress: ((progress: unknown) => void) | undefined;
  timers: ReturnType<typeof setTimeout>[];
  cleanup: () => void;
}

/** See {@link IRequester}. Built (and its reply channel joined) by `makeRequester`. */
export class Requester<Req, Res, P> implements IRequester<Req, Res, P> {
  readonly em = new Emittery<RequesterEvents>();
  readonly replyChannelId: string;
  readonly replyGroupId: string;
  private late = 0;
  private closing: Promise<void> | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly logger: ResolvedMotifsLogger;
  private publisher: IPublisher<Req> | undefined;
  private replies: IListener<unknown> | undefined;
  private admin: IChannelAdmin | undefined;

  private constructor(
    readonly channelId: string,
    private readonly defaults: { timeoutMs: number; noResponderMs: number },
    logger: unknown,
  ) {
    const instanceId = randomBytes(8).toString('hex');
    this.replyChannelId = `${channelId}.reply.${instanceId}`;
    this.replyGroupId = `motifs-requester.${instanceId}`;
    this.logger = resolveLogger(logger as Parameters<typeof resolveLogger>[0]);
  }

  /**
   * Checks the options, creates the reply channel and joins it; on failure closes what it built.
   * @throws MotifsErrorValidation for bad options; the kind's errors when its backend is unreachable
   */
  static async start<Req, Res, P>(options: MakeRequesterOptions, loaders: AdapterLoaders | undefined): Promise<Requester<Req, Res, P>> {
    const { kind, channelId, kindOptions } = readShape(options, 'makeRequester');
    const o = options as unknown as Record<string, unknown>;
    const timeoutMs = readMs(o.timeoutMs, 'timeoutMs', DEFAULT_REQUEST_TIMEOUT_MS);
    const noResponderMs = readMs(o.noResponderMs, 'noResponderMs', DEFAULT_NO_RESPONDER_MS);
    const requester = new Requester<Req, Res, P>(channelId, { timeoutMs, noResponderMs }, kindOptions.logger);
    try {
      await requester.open(kind, kindOptions, loaders);
    } catch (err) {
      await requester.close().catch(() => undefined);
      throw err;
    }
    return requester;
  }

  private async open(kind: string, kindOptions: Record<string, unknown>, loaders: AdapterLoaders | undefined): Promise<void> {
    this.publisher = await makeMotif<IPublisher<Req>>('publisher', { kind, channelId: this.channelId, [kind]: kindOptions }, loaders);
    const replyOptions = replyChannelOptions(kindOptions, { groupId: this.replyGroupId, fromBeginning: true, codec: jsonMessageCodec, retry: { attempts: 1 } });
    try {
      this.admin = await makeChannelAdmin({ kind, channelId: this.replyChannelId, [kind]: replyChannelOptions(kindOptions) }, loaders);
    } catch (err) {
      // A custom kind without a channel admin still works; its reply channels are left behind.
      if (!(err instanceof MotifsErrorAdapterMissing)) throw err;
      this.logger.warn(`the "${kind}" kind has no channel admin: reply channels of "${this.channelId}" are not deleted on close`, { kind, channelId: this.channelId });
    }
    await this.admin?.ensureChannel(this.replyChannelId);
    this.replies = await makeMotif<IListener<unknown>>('listener', { kind, channelId: this.replyChannelId, [kind]: replyOptions }, loaders);
    this.replies.onMessage(async (value, ctx) => this.onFrame(value, ctx));
    this.replies.onError(async (err) => emitSafe(this.em, 'error', err));
    await this.replies.listen();
  }

  /** Replies that arrived after their request settled, and were dropped. */
  get lateReplies(): number {
    return this.late;
  }

  request(msg: Req, options?: RequestOptions<P>): Promise<Res> {
    return this.send(msg, options) as Promise<Res>;
  }

  private async send(msg: Req, options: RequestOptions<P> | undefined): Promise<unknown> {
    const o = readRequestOptions(options as RequestOptions<unknown> | undefined, this.defaults);
    if (this.closing) throw closedError('requester', this.channelId);
    const { channelId } = this;
    if (o.signal?.aborted) {
      throw new MotifsErrorAborted(`request on "${channelId}" was aborted before it was sent`, { cause: o.signal.reason, details: { channelId } });
    }
    const correlationId = randomUUID();
    const deadline = Date.now() + o.timeoutMs;
    const where = { channelId, correlationId };
    const result = new Promise<unknown>((resolve, reject) => {
      const entry: Pending = { resolve, reject, onProgress: o.onProgress, timers: [], cleanup: () => undefined };
      const fail = (err: unknown) => this.settle(correlationId, err, true);
      // Node counts a timer from the event loop's cached time, which lags Date.now() by however long
      // the current tick has run: the timer can fire before the wall clock reaches the deadline the
      // responder reads. A request times out only past its deadline, so a responder that then looks
      // (before writing a late reply) sees it as late, and skips it once this requester has closed.
      const onTimeout = (): void => {
        const left = deadline - Date.now();
        if (left >= 0) {
          entry.timers.push(setTimeout(onTimeout, left + 1));
          return;
        }
        fail(new MotifsErrorTimeout(`no reply on "${channelId}" within ${o.timeoutMs}ms`, { outcomeUnknown: true, retryable: false, details: { ...where, timeoutMs: o.timeoutMs } }));
      };
      entry.timers.push(setTimeout(onTimeout, o.timeoutMs));
      if (o.noResponderMs < o.timeoutMs) {
        const noResponder = () =>
          new MotifsErrorUnavailable(`no responder on "${channelId}" accepted the request within ${o.noResponderMs}ms`, {
            outcomeUnknown: true,
            retryable: false,
            details: { ...where, noResponderMs: o.noResponderMs },
          });
        entry.timers.push(setTimeout(() => fail(noResponder()), o.noResponderMs));
      }
      const signal = o.signal;
      if (signal) {
        const onAbort = () => fail(new MotifsErrorAborted(`request on "${channelId}" was aborted`, { cause: signal.reason, outcomeUnknown: true, details: where }));
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.pending.set(correlationId, entry);
    });
    try {
      await this.publisher!.publish(msg, {
        key: correlationId,
        headers: { [REQUEST_HEADERS.correlationId]: correlationId, [REQUEST_HEADERS.replyTo]: this.replyChannelId, [REQUEST_HEADERS.deadline]: String(deadline) },
      });
    } catch (err) {
      this.settle(correlationId, err, true);
    }
    return result;
  }

  /** Settles a pending request once; later frames for it count as late. */
  private settle(correlationId: string, outcome: unknown, failed: boolean): void {
    const entry = this.pending.get(correlationId);
    if (!entry) return;
    this.pending.delete(correlationId);
    for (const t of entry.timers) clearTimeout(t);
    entry.cleanup();
    if (failed) entry.reject(outcome);
    else entry.resolve(outcome);
  }

  /** Never throws: a frame that cannot be used is dropped (a reply channel has nothing to retry). */
  private async onFrame(value: unknown, ctx: MessageContext): Promise<void> {
    const correlationId = ctx.headers[REQUEST_HEADERS.correlationId];
    const frame = readFrame(value);
    if (correlationId === undefined || frame === undefined) return;
    const entry = this.pending.get(correlationId);
    if (!entry) {
      if (frame.t === 'reply' || frame.t === 'error') {
        this.late++;
        emitSafe(this.em, 'late', { channelId: this.channelId, correlationId, frame: frame.t });
      }
      return;
    }
    switch (frame.t) {
      case 'accepted':
        // The responder has it: only the reply timeout is left.
        for (const t of entry.timers.splice(1)) clearTimeout(t);
        return;
      case 'progress':
        try {
          entry.onProgress?.(frame.p);
        } catch (err) {
          emitSafe(this.em, 'error', err);
        }
        return;
      case 'reply':
        this.settle(correlationId, frame.v, false);
        return;
      case 'error':
        this.settle(correlationId, remoteError(frame, { channelId: this.channelId, correlationId }), true);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const id of [...this.pending.keys()]) {
      this.settle(id, new MotifsErrorUnavailable(`requester for "${this.channelId}" closed before the reply`, { retryable: false, outcomeUnknown: true, details: { channelId: this.channelId, correlationId: id } }), true);
    }
    const results = await Promise.allSettled([this.replies?.close(), this.publisher?.close()]);
    const failures: unknown[] = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    if (this.admin) {
      try {
        await this.admin.deleteChannel(this.replyChannelId, { groupIds: [this.replyGroupId] });
        await this.admin.deleteChannel(`${this.replyChannelId}.dlq`);
      } catch (err) {
        failures.push(err);
      }
      await this.admin.close().catch((err: unknown) => failures.push(err));
    }
    for (const err of failures) {
      emitSafe(this.em, 'error', err);
      if (this.em.listenerCount('error') === 0) this.logger.error(`closing the requester of "${this.channelId}": ${err instanceof MotifsError ? err.message : String(err)}`, { error: err });
    }
    emitSafe(this.em, 'closed', { channelId: this.channelId, replyChannelId: this.replyChannelId });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
