import { afterEach, describe, expect, it } from '@jest/globals';
import * as core from '@motifs/core';
import {
  MotifsErrorAdapterMissing,
  MotifsErrorNotFound,
  MotifsErrorValidation,
  makeCacher,
  makeListener,
  makePublisher,
  makeRepo,
  registerKind,
  unregisterKind,
  type IBaseDto,
  type ICacher,
} from '../src/index.js';

interface IContact extends IBaseDto {
  firstName: string;
  lastName: string;
}

const closers: { close(): Promise<void> }[] = [];
function track<T extends { close(): Promise<void> }>(motif: T): T {
  closers.push(motif);
  return motif;
}

afterEach(async () => {
  await Promise.all(closers.splice(0).map((m) => m.close()));
  unregisterKind('cacher', 'memory');
  unregisterKind('cacher', 'umbrella-test');
});

describe('motifs (umbrella)', () => {
  it('registers nothing, on import or when building a built-in kind', async () => {
    expect(core.unregisterKind('cacher', 'memory')).toBe(false);
    expect(core.unregisterKind('listener', 'kafka')).toBe(false);
    track(await makeCacher({ kind: 'memory' }));
    expect(core.unregisterKind('cacher', 'memory')).toBe(false);
  });

  it('shares one registry with core: registerKind and unregisterKind are core\'s own', () => {
    expect(registerKind).toBe(core.registerKind);
    expect(unregisterKind).toBe(core.unregisterKind);
  });

  it('builds a memory cacher without installing anything else', async () => {
    const cacher = track(await makeCacher({ kind: 'memory' }));
    await cacher.setItem('contacts/1', { firstName: 'Ada' }, 60_000);
    await expect(cacher.getItem('contacts/1')).resolves.toEqual({ firstName: 'Ada' });
    await expect(cacher.getItem('contacts/2')).rejects.toBeInstanceOf(MotifsErrorNotFound);
  });

  it('builds a memory repo that emits contacts.create.after', async () => {
    const repo = track(await makeRepo<IContact>({ kind: 'memory', name: 'contacts' }));
    const created = new Promise<unknown>((resolve) => {
      repo.em.on('contacts.create.after', (event: unknown) => resolve(event));
    });
    const contact = await repo.create({ firstName: 'Ada', lastName: 'Lovelace' });
    expect(contact.id).toEqual(expect.any(String));
    await expect(created).resolves.toMatchObject({ dto: expect.objectContaining({ id: contact.id }) });
    await expect(repo.retrieve(contact.id)).resolves.toMatchObject({ lastName: 'Lovelace' });
  });

  it('delivers a published message to a memory listener on the same channel', async () => {
    const listener = track(await makeListener<{ planet: string }>({ kind: 'memory', channelId: 'umbrella-mars' }));
    const publisher = track(await makePublisher<{ planet: string }>({ kind: 'memory', channelId: 'umbrella-mars' }));
    const received = new Promise<{ planet: string }>((resolve) => listener.onMessage(async (msg) => resolve(msg)));
    await listener.listen();
    await publisher.publish({ planet: 'mars' });
    await expect(received).resolves.toEqual({ planet: 'mars' });
  });

  it('lets a registered kind replace a built-in one, and brings the built-in back on unregister', async () => {
    const fake = { close: async () => undefined } as unknown as ICacher;
    registerKind('cacher', 'memory', () => fake);
    await expect(makeCacher({ kind: 'memory' })).resolves.toBe(fake);
    // Registered through core before or after: the same registry, the same outcome.
    await expect(core.makeCacher({ kind: 'memory' })).resolves.toBe(fake);
    expect(unregisterKind('cacher', 'memory')).toBe(true);
    const real = track(await makeCacher({ kind: 'memory' }));
    expect(real).not.toBe(fake);
    await expect(real.setItem('k', 1, 1000)).resolves.toBe(true);
  });

  it('keeps built-in kinds when asked to unregister one that was never overridden', async () => {
    expect(unregisterKind('cacher', 'memory')).toBe(false);
    const cacher = track(await makeCacher({ kind: 'memory' }));
    await expect(cacher.setItem('k', 1, 1000)).resolves.toBe(true);
  });

  it('builds and removes a custom kind', async () => {
    const fake = { close: async () => undefined } as unknown as ICacher;
    registerKind('cacher', 'umbrella-test', () => fake);
    await expect(makeCacher({ kind: 'umbrella-test' } as never)).resolves.toBe(fake);
    expect(unregisterKind('cacher', 'umbrella-test')).toBe(true);
    await expect(makeCacher({ kind: 'umbrella-test' } as never)).rejects.toBeInstanceOf(MotifsErrorAdapterMissing);
  });

  it('rejects an unknown kind with the adapter-missing error and options without a kind with a validation error', async () => {
    await expect(makeCacher({ kind: 'nope' } as never)).rejects.toMatchObject({ code: 'MOTIFS_ADAPTER_MISSING', kind: 'nope' });
    await expect(makeCacher({} as never)).rejects.toBeInstanceOf(MotifsErrorValidation);
  });

  it('rejects a bad custom kind registration without registering anything', () => {
    expect(() => registerKind('cacher', '', () => ({}))).toThrow(MotifsErrorValidation);
  });
});

// Type-level checks (run by `typecheck`): the adapters' kind options arrive with `motifs` alone.
export function typeChecks(): void {
  void makeCacher({ kind: 'redis', namespace: 'app', redis: { url: 'redis://127.0.0.1:6379' } });
  void makeRepo<IContact>({ kind: 'redis', name: 'contacts', redis: { url: 'redis://127.0.0.1:6379' } });
  void makeListener({ kind: 'kafka', channelId: 'mars', kafka: { url: 'localhost:9092' } });
  void makePublisher({ kind: 'memory', channelId: 'mars' });
  // @ts-expect-error an unknown kind does not type-check
  void makeCacher({ kind: 'nope' });
  // The umbrella's factories keep core's signatures, so code can move between the two imports.
  const same: [typeof core.makeCacher, typeof core.makeRepo, typeof core.makeListener, typeof core.makePublisher, typeof core.registerKind, typeof core.unregisterKind] =
    [makeCacher, makeRepo, makeListener, makePublisher, registerKind, unregisterKind];
  void same;
}
