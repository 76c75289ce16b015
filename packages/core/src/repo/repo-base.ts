import Emittery from 'emittery';
import { MotifsErrorConflict, MotifsErrorNotFound, MotifsErrorUnavailable } from '../errors.js';
import { resolveLogger, type ResolvedMotifsLogger } from '../logger.js';
import type { IBaseDto, IConditions, IFindOptions, IRepo, RepoBaseOptions, RepoEventError, RepoEvents } from '../repo.js';
import { copyJson } from '../json-copy.js';
import { listenerPresence } from '../listener-presence.js';
import { isTraced, traced, type MotifsTraceContext } from '../tracing.js';
import { compileConditions, matchesAll, type CompiledCondition } from './conditions.js';
import { emitAfter, emitBefore, repoEventName, reportRepoError } from './events.js';
import { compileFindOptions, orderAndPage } from './paging.js';
import { assertId, prepareCreate, preparePatch, type PreparedRecord, type RecordShape } from './records.js';
import { normalizeRepoSettings, type RepoChangesSettings } from './settings.js';

/**
 * Base class of the built-in repos. It validates every input, assigns ids and timestamps, emits
 * the `before` / `after` events around each write, filters, orders and pages `findMany`, traces
 * each public operation (`motifs:repo:<op>`) and owns the closed state. A subclass only stores
 * and finds records: the `protected abstract` methods below, which receive validated input.
 * @example
 * class MyRepo<T extends IBaseDto> extends RepoBase<T> {
 *   protected readRecord(id: string) { ... }
 *   // insertRecord, patchRecord, removeRecord, findRecords, countRecords, closeBackend
 * }
 */
export abstract class RepoBase<T extends IBaseDto = IBaseDto> implements IRepo<T> {
  readonly name: string;
  readonly namespace: string;
  /** Typed events: `<name>.<op>.<before|after>` and `error`. */
  readonly em = new Emittery<RepoEvents<T>>();
  /** The indexed fields, validated and without duplicates. */
  protected readonly indexes: readonly string[];
  protected readonly logger: ResolvedMotifsLogger;
  /**
   * The change feed (`changes` option), validated: the adapter publishes a `RepoChange` for every
   * write its storage step commits, and none for a write that fails.
   */
  protected readonly changes: RepoChangesSettings | undefined;
  private closed = false;
  /** `<name>.create.before` and `<name>.create.after`, named once. */
  private readonly createEvents: readonly [string, string];
  /** Whether anything (a listener of the event or of every event) would receive an event (see {@link listenerPresence}). */
  private readonly listens: (event: string) => boolean;
  /** The field layout of recent creates, for {@link prepareCreate} to build records in one go. */
  private readonly recordShape: RecordShape = {};
  private readonly reportUnheard = (report: RepoEventError): void => {
    this.logger.warn(`repo "${report.repo}": a listener of ${report.event} threw, and nothing listens on "error"`, { ...report });
  };

  /** @throws MotifsErrorValidation for a bad name, namespace, indexes list or changes option */
  constructor(options: RepoBaseOptions) {
    const settings = normalizeRepoSettings(options);
    this.name = settings.name;
    this.namespace = settings.namespace;
    this.indexes = settings.indexes;
    this.changes = settings.changes;
    this.createEvents = [repoEventName(this.name, 'create', 'before'), repoEventName(this.name, 'create', 'after')];
    this.listens = listenerPresence(this.em);
    this.logger = resolveLogger(options.logger);
  }

  /** The record `id` as a copy the caller may own, or `undefined`. */
  protected abstract readRecord(id: string): Promise<T | undefined> | T | undefined;
  /** Stores a new record; `false` when the id exists (nothing written). `json` is its JSON text. */
  protected abstract insertRecord(prepared: PreparedRecord<T>): Promise<boolean> | boolean;
  /**
   * Merges `patch` (shallow) into record `id` atomically; the result as stored, as a copy the
   * caller may own, or `undefined` when there is no such record (nothing written).
   */
  protected abstract patchRecord(id: string, patch: Partial<T>): Promise<T | undefined> | T | undefined;
  /** Deletes record `id`; the deleted record (the caller may own it), or `undefined` if there was none. */
  protected abstract removeRecord(id: string): Promise<T | undefined> | T | undefined;
  /**
   * Records that may match `conditions` (a superset is fine: each is re-checked). The base sorts
   * the array it gets (so return a fresh one) and passes the page through {@link RepoBase.reveal}.
   */
  protected abstract findRecords(conditions: readonly CompiledCondition[]): Promise<T[]> | T[];
  /** How many records match every condition exactly. */
  protected abstract countRecords(conditions: readonly CompiledCondition[]): Promise<number> | number;
  /** Releases the backend (connections, timers). Called once. */
  protected abstract closeBackend(): Promise<void> | void;

  /** A `findMany` result as handed to the caller; override when {@link findRecords} returns stored objects. */
  protected reveal(record: T): T {
    return record;
  }

  create(dto: Partial<T>): Promise<T> {
    if (isTraced('repo', 'create')) return traced('repo', 'create', { name: this.name, namespace: this.namespace }, (ctx) => this.createNow(dto, ctx));
    try {
      return this.createNow(dto, undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The body of {@link create}. When nothing listens on `<name>.create.before` and the backend
   * stores synchronously, the whole write runs in this turn with no promise but the one returned.
   */
  private createNow(dto: Partial<T>, ctx: MotifsTraceContext | undefined): Promise<T> {
    this.assertOpen();
    const prepared = prepareCreate<T>(dto, undefined, this.recordShape);
    if (ctx) ctx.id = prepared.record.id;
    if (this.listens(this.createEvents[0])) return this.createAfterBefore(prepared);
    const inserted = this.insertRecord(prepared);
    return typeof inserted === 'boolean' ? this.created(prepared.record, inserted) : inserted.then((ok) => this.created(prepared.record, ok));
  }

  private async createAfterBefore(prepared: PreparedRecord<T>): Promise<T> {
    const { record } = prepared;
    await emitBefore<T, 'create'>(this.em, this.name, 'create', () => ({ dto: copyJson(record) }));
    this.assertOpen();
    return this.created(record, await this.insertRecord(prepared));
  }

  /** The end of a create: the conflict error, or the `after` event and a copy of the record for the caller. */
  private created(record: T, inserted: boolean): Promise<T> {
    if (!inserted) throw new MotifsErrorConflict(`${this.name} "${record.id}" already exists`, { details: { id: record.id } });
    if (!this.listens(this.createEvents[1])) return Promise.resolve(copyJson(record));
    return emitAfter<T, 'create'>(this.em, this.name, 'create', () => ({ dto: copyJson(record) }), this.reportUnheard).then(() => copyJson(record));
  }

  retrieve(id: string): Promise<T> {
    if (isTraced('repo', 'retrieve')) return traced('repo', 'retrieve', { name: this.name, namespace: this.namespace, id }, () => this.retrieveNow(id));
    try {
      return this.retrieveNow(id);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The body of {@link retrieve}: no promise of its own but the backend's (or the one returned). */
  private retrieveNow(id: string): Promise<T> {
    this.assertOpen();
    assertId(id);
    const read = this.readRecord(id);
    // A stored record is JSON data, never a thenable: a `then` function means the backend's promise.
    if (typeof (read as { then?: unknown } | undefined)?.then === 'function') return (read as Promise<T | undefined>).then((record) => this.found(id, record));
    return Promise.resolve(this.found(id, read as T | undefined));
  }

  /** The record read for `id`, or the not-found error. */
  private found(id: string, record: T | undefined): T {
    if (!record) throw this.notFound(id);
    return record;
  }

  update(id: string, dto: Partial<T>): Promise<T> {
    return traced('repo', 'update', { name: this.name, namespace: this.namespace, id }, async () => {
      this.assertOpen();
      const patch = preparePatch<T>(id, dto);
      const patchJson = JSON.stringify(patch);
      await emitBefore<T, 'update'>(this.em, this.name, 'update', () => ({ id, dto: JSON.parse(patchJson) as Partial<T> }));
      this.assertOpen();
      const record = await this.patchRecord(id, patch);
      if (!record) throw this.notFound(id);
      await emitAfter<T, 'update'>(
        this.em,
        this.name,
        'update',
        () => ({ id, dto: JSON.parse(JSON.stringify(record)) as T, patch: JSON.parse(patchJson) as Partial<T> }),
        this.reportUnheard,
      );
      return record;
    });
  }

  delete_(id: string): Promise<boolean> {
    return traced('repo', 'delete', { name: this.name, namespace: this.namespace, id }, async () => {
      this.assertOpen();
      assertId(id);
      await emitBefore<T, 'delete'>(this.em, this.name, 'delete', () => ({ id }));
      this.assertOpen();
      const record = await this.removeRecord(id);
      if (!record) return false;
      await emitAfter<T, 'delete'>(this.em, this.name, 'delete', () => ({ id, dto: record }), this.reportUnheard);
      return true;
    });
  }

  findMany(conditions: IConditions, options?: IFindOptions): Promise<T[]> {
    return traced('repo', 'findMany', { name: this.name, namespace: this.namespace }, async () => {
      this.assertOpen();
      const compiled = compileConditions(conditions);
      const page = compileFindOptions(options);
      const found = await this.findRecords(compiled);
      const matching = compiled.length === 0 ? found : found.filter((r) => matchesAll(r, compiled));
      return orderAndPage(matching, page).map((r) => this.reveal(r));
    });
  }

  count(conditions: IConditions): Promise<number> {
    return traced('repo', 'count', { name: this.name, namespace: this.namespace }, async () => {
      this.assertOpen();
      return this.countRecords(compileConditions(conditions));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closeBackend();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Reports what no caller awaits (e.g. a change feed publish that failed after its write
   * committed) as `{ error, event, repo }` on `error`, or to the logger when nobody listens there.
   */
  protected reportError(event: string, error: unknown): Promise<void> {
    return reportRepoError(this.em, this.name, event, error, this.reportUnheard);
  }

  /** Throws {@link MotifsErrorUnavailable} (not retryable) once the repo is closed. */
  protected assertOpen(): void {
    if (this.closed) throw new MotifsErrorUnavailable(`repo "${this.name}" is closed`, { retryable: false });
  }

  /** Whether {@link close} was called. */
  protected get isClosed(): boolean {
    return this.closed;
  }

  private notFound(id: string): MotifsErrorNotFound {
    return new MotifsErrorNotFound(`${this.name} "${id}" not found`, { details: { id } });
  }
}
