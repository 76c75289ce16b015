import Emittery from 'emittery';
import { MotifsErrorConflict, MotifsErrorNotFound, MotifsErrorUnavailable } from '../errors.js';
import { resolveLogger, type ResolvedMotifsLogger } from '../logger.js';
import type { IBaseDto, IConditions, IFindOptions, IRepo, RepoBaseOptions, RepoEventError, RepoEvents } from '../repo.js';
import { traced } from '../tracing.js';
import { compileConditions, matchesAll, type CompiledCondition } from './conditions.js';
import { emitAfter, emitBefore, reportRepoError } from './events.js';
import { compileFindOptions, orderAndPage } from './paging.js';
import { assertId, prepareCreate, preparePatch, type PreparedRecord } from './records.js';
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
    return traced('repo', 'create', { name: this.name, namespace: this.namespace }, async (ctx) => {
      this.assertOpen();
      const prepared = prepareCreate<T>(dto);
      const { record, json } = prepared;
      ctx.id = record.id;
      await emitBefore<T, 'create'>(this.em, this.name, 'create', () => ({ dto: JSON.parse(json) as T }));
      this.assertOpen();
      if (!(await this.insertRecord(prepared))) {
        throw new MotifsErrorConflict(`${this.name} "${record.id}" already exists`, { details: { id: record.id } });
      }
      await emitAfter<T, 'create'>(this.em, this.name, 'create', () => ({ dto: JSON.parse(json) as T }), this.reportUnheard);
      return JSON.parse(json) as T;
    });
  }

  retrieve(id: string): Promise<T> {
    return traced('repo', 'retrieve', { name: this.name, namespace: this.namespace, id }, async () => {
      this.assertOpen();
      assertId(id);
      const record = await this.readRecord(id);
      if (!record) throw this.notFound(id);
      return record;
    });
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
