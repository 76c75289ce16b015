// The memory repo's change feed beyond the contract: the default publisher found through the
// registry and read by a real memory listener, an injected publisher, and what happens when the
// publisher fails after the write committed.
import { describe, expect, it } from '@jest/globals';
import { MotifsErrorAdapterMissing, MotifsErrorValidation, makeListener, registerKind, unregisterKind, type IBaseDto, type IPublisher, type MakeListenerOptions, type RepoChange } from '@motifs/core';
import type { RepoEventError } from '@motifs/core/kit';
import { MemoryChannelHub, createMemoryPublisher, defaultHub } from '@motifs/listener-memory';
import { createMemoryRepo, createRepo } from '../src/index.js';

interface Item extends IBaseDto {
  name: string;
}

const waitFor = async (done: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('memory repo change feed options', () => {
  it.each([
    ['changes that are not an object', { changes: 'items' }, ['changes']],
    ['a channel of another name', { changes: { channelId: 'orders' } }, ['changes', 'channelId']],
    ['a channel that only starts with the name', { changes: { channelId: 'itemsx' } }, ['changes', 'channelId']],
    ['a publisher without changes', { memory: { publisher: createMemoryPublisher({ channelId: 'items' }) } }, ['memory', 'publisher']],
    ['a publisher of another channel', { changes: { channelId: 'items' }, memory: { publisher: createMemoryPublisher({ channelId: 'items.x' }) } }, ['memory', 'publisher']],
    ['a publisher that is not one', { changes: { channelId: 'items' }, memory: { publisher: { channelId: 'items' } } }, ['memory', 'publisher']],
    ['memory options that are not an object', { changes: { channelId: 'items' }, memory: 'x' }, ['memory']],
  ])('rejects %s with MotifsErrorValidation', (_label, options, path) => {
    let err: unknown;
    try {
      createRepo({ kind: 'memory', name: 'items', ...options } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MotifsErrorValidation);
    expect((err as MotifsErrorValidation).issues[0]!.path).toEqual(path);
  });
});

describe('memory repo change feed', () => {
  it('publishes through makePublisher({ kind: "memory" }) by default: a memory listener receives each change keyed by id', async () => {
    const repo = createMemoryRepo<Item>({ name: 'parcels', changes: { channelId: 'parcels.changes' } });
    const listener = await makeListener<RepoChange<Item>>({ kind: 'memory', channelId: 'parcels.changes', memory: { groupId: 'audit', fromBeginning: true } } as MakeListenerOptions);
    const got: [string | undefined, RepoChange<Item>][] = [];
    listener.onMessage(async (change, { key }) => {
      got.push([key, change]);
    });
    listener.onError(async () => undefined);
    await listener.listen();
    const created = await repo.create({ id: 'p1', name: 'box' });
    const updated = await repo.update('p1', { name: 'crate' });
    await repo.delete_('p1');
    await waitFor(() => got.length === 3);
    expect(got).toEqual([
      ['p1', { op: 'create', id: 'p1', dto: created, version: 1, at: got[0]![1].at }],
      ['p1', { op: 'update', id: 'p1', dto: updated, previous: created, version: 2, at: got[1]![1].at }],
      ['p1', { op: 'delete', id: 'p1', dto: updated, version: 3, at: got[2]![1].at }],
    ]);
    await listener.close();
    await repo.close();
  });

  it('finds @motifs/listener-memory beside itself when the registry cannot (strict installs under the umbrella)', async () => {
    registerKind('publisher', 'memory', () => {
      throw new MotifsErrorAdapterMissing('not found from core', { kind: 'memory', packageName: '@motifs/listener-memory' });
    });
    try {
      const repo = createMemoryRepo<Item>({ name: 'strict', changes: { channelId: 'strict' } });
      await repo.create({ id: 's', name: 'x' });
      expect(defaultHub.channel('strict').partitionLogs.flatMap((log) => log.retained()).map((m) => m.key)).toEqual(['s']);
      await repo.close();
    } finally {
      unregisterKind('publisher', 'memory');
    }
  });

  it('fails the first write with the registry error, nothing written, when no memory publisher can be made', async () => {
    const refusal = new MotifsErrorValidation('memory publishers are off here');
    registerKind('publisher', 'memory', () => {
      throw refusal;
    });
    try {
      const repo = createMemoryRepo<Item>({ name: 'nofeed', changes: { channelId: 'nofeed' } });
      await expect(repo.create({ id: 'n', name: 'x' })).rejects.toBe(refusal);
      expect(await repo.count({})).toBe(0);
      await repo.close();
    } finally {
      unregisterKind('publisher', 'memory');
    }
  });

  it('uses an injected publisher and leaves it open on close', async () => {
    const hub = new MemoryChannelHub();
    const publisher = createMemoryPublisher<RepoChange>({ channelId: 'items', memory: { hub } });
    const repo = createRepo<Item>({ kind: 'memory', name: 'items', changes: { channelId: 'items' }, memory: { publisher } });
    await repo.create({ id: 'a', name: 'x' });
    await repo.close();
    await publisher.publish({ op: 'delete', id: 'a', dto: { id: 'a' }, version: 9, at: 0 }, { key: 'a' });
    const values = hub.channel('items').partitionLogs.flatMap((log) => log.retained()).map((m) => JSON.parse(m.value) as RepoChange);
    expect(values.map((v) => [v.op, v.version])).toEqual([['create', 1], ['delete', 9]]);
    await publisher.close();
  });

  it('keeps the write and reports on "error" (event <name>.changes) when the publisher fails after it', async () => {
    const boom = new Error('channel broken');
    const publisher: IPublisher<RepoChange> = {
      channelId: 'items',
      em: undefined as never,
      publish: () => Promise.reject(boom),
      close: async () => undefined,
      [Symbol.asyncDispose]: async () => undefined,
    };
    const repo = createRepo<Item>({ kind: 'memory', name: 'items', changes: { channelId: 'items' }, memory: { publisher } });
    const errors: RepoEventError[] = [];
    repo.em.on('error', async (report) => {
      errors.push(report);
    });
    const created = await repo.create({ id: 'a', name: 'x' });
    expect(await repo.retrieve('a')).toEqual(created);
    expect(errors).toEqual([{ error: boom, event: 'items.changes', repo: 'items' }]);
    await repo.close();
  });

  it('publishes nothing for a create that conflicts or a write refused by a before listener', async () => {
    const hub = new MemoryChannelHub();
    const publisher = createMemoryPublisher<RepoChange>({ channelId: 'items', memory: { hub } });
    const repo = createRepo<Item>({ kind: 'memory', name: 'items', changes: { channelId: 'items' }, memory: { publisher } });
    await repo.create({ id: 'a', name: 'x' });
    await expect(repo.create({ id: 'a', name: 'y' })).rejects.toMatchObject({ code: 'MOTIFS_CONFLICT' });
    repo.em.on('items.delete.before', async () => {
      throw new Error('no');
    });
    await expect(repo.delete_('a')).rejects.toThrow('no');
    expect(hub.channel('items').partitionLogs.flatMap((log) => log.retained())).toHaveLength(1);
    await repo.close();
    await publisher.close();
  });
});
