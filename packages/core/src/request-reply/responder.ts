/** The responder side of request/reply: a listener in a (competing) group that answers on each request's reply channel. */
import Emittery from 'emittery';
import { MotifsError, MotifsErrorSerialization, MotifsErrorValidation } from '../errors.js';
import { describeType } from '../keys.js';
import type { IListener, IPublisher, ListenOptions, MessageContext } from '../listener.js';
import { emitSafe } from '../listener/dispatcher.js';
import { jsonMessageCodec } from '../listener/options.js';
import { type ResolvedMotifsLogger, resolveLogger } from '../logger.js';
import { type AdapterLoaders, makeMotif } from '../registry.js';
import type { IResponder, MakeResponderOptions, RequestContext, RequestHandler, ResponderEvents } from '../request-reply.js';
import { REQUEST_HEADERS, type ReplyFrame, errorFrame } from './frames.js';
import { type IChannelAdmin, makeChannelAdmin } from './channel-admin.js';
import { readShape, replyChannelOptions } from './options.js';

/** Reply-channel publishers kept open per responder (least recently used ones beyond it are closed). */
export const MAX_REPLY_PUBLISHERS = 64;

interface ReplyPublisher {
  publisher: Promise<IPublisher<ReplyFrame>>;
  users: number;
}

/** See {@link IResponder}. Built by `makeResponder`. */
export class Responder<Req, Res, P> implements IResponder<Req, Res, P> {
  readonly em = new Emittery<ResponderEvents>();
  private handler: RequestHandler<Req, Res, P> | undefined;
  private readonly errorHandlers: ((err: unknown) => Promise<void>)[] = [];
  private readonly publishers = new Map<string, ReplyPublisher>();
  private readonly logger: ResolvedMotifsLogger;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly channelId: string,
    private readonly listener: IListener<Req>,
    private readonly replyTarget: (replyChannelId: string) => Promise<IPublisher<ReplyFrame>>,
    private readonly makeAdmin: () => Promise<IChannelAdmin>,
    logger: unknown,
  ) {
    this.logger = resolveLogger(logger as Parameters<typeof resolveLogger>[0]);
    listener.onMessage(async (msg, ctx) => this.handle(msg, ctx));
    listener.em.on('listening', (e) => emitSafe(this.em, 'listening', e));
    listener.em.on('rebalance', (e) => emitSafe(this.em, 'rebalance', { channelId: e.channelId, groupId: e.groupId, partitions: e.partitions }));
  }

  /** Checks the options and builds the request listener (not listening yet). */
  static async create<Req, Res, P>(options: MakeResponderOptions, loaders: AdapterLoaders | undefined): Promise<Responder<Req, Res, P>> {
    const { kind, channelId, kindOptions } = readShape(options, 'makeResponder');
    const listener = await makeMotif<IListener<Req>>('listener', { kind, channelId, [kind]: kindOptions }, loaders);
    const replyOptions = replyChannelOptions(kindOptions, { codec: jsonMessageCodec });
    const target = (replyChannelId: string) => makeMotif<IPublisher<ReplyFrame>>('publisher', { kind, channelId: replyChannelId, [kind]: replyOptions }, loaders);
    const admin = () => makeChannelAdmin({ kind, channelId, [kind]: replyChannelOptions(kindOptions) }, loaders);
    return new Responder<Req, Res, P>(channelId, listener, target, admin, kindOptions.logger);
  }

  onRequest(handler: RequestHandler<Req, Res, P>): void {
    if (typeof handler !== 'function') {
      throw new MotifsErrorValidation(`onRequest() needs a function, got ${describeType(handler)}`, { issues: [{ path: ['handler'], message: 'must be a function' }] });
    }
    if (this.handler) {
      throw new MotifsErrorValidation(`the responder of "${this.channelId}" already has a request handler (a request has one reply)`, { issues: [{ path: ['handler'], message: 'already set' }] });
    }
    this.handler = handler;
  }

  onError(handler: (err: unknown) => Promise<void>): void {
    if (typeof handler !== 'function') {
      throw new MotifsErrorValidation(`onError() needs a function, got ${describeType(handler)}`, { issues: [{ path: ['handler'], message: 'must be a function' }] });
    }
    this.errorHandlers.push(handler);
    this.listener.onError(handler);
  }

  listen(options?: ListenOptions): Promise<void> {
    if (!this.handler) {
      const err = new MotifsErrorValidation(`listen() on "${this.channelId}" needs an onRequest handler first (requests would go unanswered)`, { issues: [{ path: ['onRequest'], message: 'required' }] });
      return Promise.reject(err);
    }
    return this.listener.listen(options);
  }

  private async report(err: unknown): Promise<void> {
    emitSafe(this.em, 'error', err);
    if (this.errorHandlers.length === 0) {
      this.logger.error(`responder of "${this.channelId}": ${err instanceof Error ? err.message : String(err)}`, { error: err, channelId: this.channelId });
      return;
    }
    await Promise.allSettled(this.errorHandlers.map((h) => h(err)));
  }

  /**
   * Answers one request. Resolves (the request is acknowledged) once the reply frame is written;
   * rejects only when writing to the reply channel failed, so the channel redelivers the request.
   */
  private async handle(msg: Req, mctx: MessageContext): Promise<void> {
    const { channelId } = this;
    const correlationId = mctx.headers[REQUEST_HEADERS.correlationId];
    const replyTo = mctx.headers[REQUEST_HEADERS.replyTo];
    const deadline = Number(mctx.headers[REQUEST_HEADERS.deadline]);
    // A reply channel is always <channelId>.reply.<id>: a request cannot make a responder write elsewhere.
    if (!correlationId || !replyTo?.startsWith(`${channelId}.reply.`) || !Number.isSafeInteger(deadline)) {
      emitSafe(this.em, 'skipped', { channelId, correlationId, reason: 'malformed' });
      await this.report(new MotifsErrorValidation(`a message on "${channelId}" (partition ${mctx.partition}, offset ${mctx.offset}) is not a request: it lacks valid ${Object.values(REQUEST_HEADERS).join(', ')} headers; skipped`, {
        issues: [{ path: ['headers'], message: 'request headers missing or invalid' }],
        details: { channelId, partition: mctx.partition, offset: mctx.offset },
      }));
      return;
    }
    if (Date.now() > deadline) {
      emitSafe(this.em, 'skipped', { channelId, correlationId, reason: 'expired' });
      return;
    }
    const entry = this.acquire(replyTo);
    try {
      const publisher = await entry.publisher;
      let orphaned: Promise<boolean> | undefined;
      // Gone once is gone for good (a requester never brings its channel back); there a moment ago
      // says nothing of now, so that answer is not kept.
      const stillGone = async (previous: Promise<boolean> | undefined): Promise<boolean> => (await previous) === true || this.replyChannelGone(replyTo);
      const send = async (frame: ReplyFrame) => {
        // Past the deadline the requester may have closed and deleted its reply channel: writing
        // to it would create it again (Kafka auto-creation, a Redis XADD), so look first, before
        // every frame: the channel 'accepted' found can be gone by the time the reply is ready.
        if (Date.now() > deadline && (await (orphaned = stillGone(orphaned)))) return;
        await publisher.publish(frame, { key: correlationId, headers: { [REQUEST_HEADERS.correlationId]: correlationId } });
      };
      await send({ t: 'accepted' });
      let chain: Promise<void> = Promise.resolve();
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(new Error('the requester stopped waiting (deadline)')), Math.min(2_147_483_647, Math.max(0, deadline - Date.now())));
      timer.unref?.();
      const ctx: RequestContext<P> = {
        correlationId,
        deadline,
        signal: abort.signal,
        headers: { ...mctx.headers },
        attempt: mctx.attempt,
        progress: (progress: P) => {
          const next = chain.then(() => send({ t: 'progress', p: progress }));
          chain = next.catch(() => undefined);
          return next;
        },
      };
      let frame: ReplyFrame;
      try {
        const value = await this.handler!(msg, ctx);
        frame = value === undefined ? { t: 'reply' } : { t: 'reply', v: value };
      } catch (err) {
        frame = errorFrame(err);
      } finally {
        clearTimeout(timer);
      }
      await chain;
      try {
        await send(frame);
      } catch (err) {
        // A reply the codec cannot carry is the handler's fault: the requester hears of it as an error.
        if (!(err instanceof MotifsErrorSerialization) || frame.t !== 'reply') throw err;
        await send(errorFrame(err));
      }
      if (await orphaned) emitSafe(this.em, 'skipped', { channelId, correlationId, reason: 'orphaned' });
    } catch (err) {
      if (err instanceof MotifsError) throw err;
      throw new MotifsError(`answering request ${correlationId} on "${channelId}" failed: ${String(err)}`, { cause: err });
    } finally {
      this.release(replyTo, entry);
    }
  }

  private admin: Promise<IChannelAdmin | undefined> | undefined;

  /** Whether a reply channel is known to be gone (false when the kind cannot tell, or the check fails). */
  private async replyChannelGone(replyTo: string): Promise<boolean> {
    this.admin ??= this.makeAdmin().catch(() => undefined);
    const admin = await this.admin;
    return admin ? !(await admin.hasChannel(replyTo).catch(() => true)) : false;
  }

  private acquire(replyTo: string): ReplyPublisher {
    let entry = this.publishers.get(replyTo);
    if (entry) this.publishers.delete(replyTo);
    else entry = { publisher: this.replyTarget(replyTo), users: 0 };
    entry.publisher.catch(() => undefined);
    entry.users++;
    this.publishers.set(replyTo, entry); // most recently used last
    return entry;
  }

  private release(replyTo: string, entry: ReplyPublisher): void {
    entry.users--;
    entry.publisher.catch(() => this.publishers.get(replyTo) === entry && this.publishers.delete(replyTo));
    if (this.publishers.size <= MAX_REPLY_PUBLISHERS) return;
    for (const [id, e] of this.publishers) {
      if (this.publishers.size <= MAX_REPLY_PUBLISHERS) break;
      if (e.users > 0) continue;
      this.publishers.delete(id);
      void e.publisher.then((p) => p.close()).catch(() => undefined);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.listener.close();
      const open = [...this.publishers.values()];
      this.publishers.clear();
      await Promise.allSettled([...open.map((e) => e.publisher.then((p) => p.close())), this.admin?.then((a) => a?.close())]);
      emitSafe(this.em, 'closed', { channelId: this.channelId });
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
