import {
  MotifsErrorValidation,
  isMotifsError,
  makePublisher,
  type IBaseDto,
  type IPublisher,
  type MakeListenerOptions,
  type RepoChange,
  type RepoChangesSettings,
} from '@motifs/core/kit';

/** An optional peer: the memory channel's package, imported only when core's registry cannot find it. */
const LISTENER_MEMORY = '@motifs/listener-memory';

/**
 * A memory publisher of `channelId`: through core's registry (so a kind registered as `memory`
 * wins), else from `@motifs/listener-memory` beside this package (an optional peer: under the
 * `motifs` umbrella on a strict install, core cannot see it but this package can).
 * @throws MotifsErrorAdapterMissing when neither finds it
 */
async function openMemoryPublisher<M>(channelId: string): Promise<IPublisher<M>> {
  try {
    return await makePublisher<M>({ kind: 'memory', channelId } as MakeListenerOptions);
  } catch (err) {
    if (!isMotifsError(err, 'MOTIFS_ADAPTER_MISSING')) throw err;
    const mod = (await import(LISTENER_MEMORY).catch(() => undefined)) as { createPublisher?: (options: { channelId: string }) => IPublisher<M> } | undefined;
    if (typeof mod?.createPublisher !== 'function') throw err;
    return mod.createPublisher({ channelId });
  }
}

/**
 * The change feed of a memory repo: one publisher of the channel (the injected one, else a memory
 * publisher made on first write, see {@link openMemoryPublisher}) and the
 * write count of every id ever written, so a re-created id continues its `version`.
 *
 * The repo calls {@link MemoryChangeFeed.publish} in the same synchronous turn as the store
 * change, after it succeeded: a memory publisher appends before `publish()` returns, so the
 * channel's order is the commit order and a write that throws publishes nothing.
 */
export class MemoryChangeFeed<T extends IBaseDto> {
  private publisher: IPublisher<RepoChange<T>> | undefined;
  private opening: Promise<void> | undefined;
  private readonly owned: boolean;
  private readonly versions = new Map<string, number>();

  /** @throws MotifsErrorValidation when `injected` is not a publisher of `settings.channelId` */
  constructor(private readonly settings: RepoChangesSettings, injected: unknown) {
    if (injected !== undefined) {
      const p = injected as Partial<IPublisher>;
      if (injected === null || typeof injected !== 'object' || typeof p.publish !== 'function' || typeof p.close !== 'function') {
        throw new MotifsErrorValidation('memory.publisher must be an IPublisher (from makePublisher)', { issues: [{ path: ['memory', 'publisher'], message: 'not a publisher' }] });
      }
      if (p.channelId !== settings.channelId) {
        throw new MotifsErrorValidation(`memory.publisher publishes to "${String(p.channelId)}", not to changes.channelId "${settings.channelId}"`, {
          issues: [{ path: ['memory', 'publisher'], message: 'must publish to changes.channelId' }],
        });
      }
      this.publisher = injected as IPublisher<RepoChange<T>>;
    }
    this.owned = injected === undefined;
  }

  /** `undefined` once the publisher exists; else a promise that opens it (rejecting with the adapter error). */
  ready(): Promise<void> | undefined {
    if (this.publisher) return undefined;
    this.opening ??= openMemoryPublisher<RepoChange<T>>(this.settings.channelId).then(
      (publisher) => {
        this.publisher = publisher;
      },
      (err: unknown) => {
        this.opening = undefined;
        throw err;
      },
    );
    return this.opening;
  }

  /**
   * Counts the write and publishes its change, keyed by id. Call only after {@link ready} settled,
   * right after the store changed. `dto` and `previous` must be objects the feed may own.
   */
  publish(op: RepoChange['op'], id: string, dto: T, previous?: T): Promise<void> {
    const version = (this.versions.get(id) ?? 0) + 1;
    this.versions.set(id, version);
    const change: RepoChange<T> = previous === undefined ? { op, id, dto, version, at: Date.now() } : { op, id, dto, previous, version, at: Date.now() };
    return this.publisher!.publish(change, { key: id });
  }

  /** Closes the publisher the feed made (an injected one stays open). */
  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    if (this.owned) await this.publisher?.close();
    this.versions.clear();
  }
}
