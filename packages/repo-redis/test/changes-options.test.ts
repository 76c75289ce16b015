// Unit tests (no server): the change feed option is checked before any connection is opened, and
// the feed's stream shares the repo's hash tag.
import { describe, expect, it } from '@jest/globals';
import { MotifsErrorValidation } from '@motifs/core';
import { createRedisRepo, RepoLayout } from '../src/index.js';

/** A client stand-in that records every property read: a repo that touched it would show here. */
function watchedClient(): { client: never; touched: (string | symbol)[] } {
  const touched: (string | symbol)[] = [];
  const client = new Proxy({}, { get: (_target, prop) => { touched.push(prop); return undefined; } });
  return { client: client as never, touched };
}

describe('redis repo change feed options', () => {
  it.each([
    ['not an object', 'contacts.changes', ['changes']],
    ['without channelId', {}, ['changes', 'channelId']],
    ['another name', { channelId: 'orders' }, ['changes', 'channelId']],
    ['the name without a dot', { channelId: 'contacts2' }, ['changes', 'channelId']],
    ['a colon', { channelId: 'contacts:changes' }, ['changes', 'channelId']],
    ['a brace', { channelId: 'contacts.{x}' }, ['changes', 'channelId']],
  ])('rejects changes %s with MotifsErrorValidation before touching the client', async (_label, changes, path) => {
    const { client, touched } = watchedClient();
    const err = await createRedisRepo({ name: 'contacts', changes: changes as never, redis: { client } }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(MotifsErrorValidation);
    expect((err as MotifsErrorValidation).issues[0]!.path).toEqual(path);
    expect(touched).toEqual([]);
  });

  it('puts the stream and the version hash under the repo hash tag, so one script writes them all on a cluster', () => {
    const layout = new RepoLayout('crm', 'contacts');
    expect(layout.changes('contacts.changes')).toBe('{crm:contacts}:ch:contacts.changes');
    expect(layout.changes('contacts')).toBe('{crm:contacts}:ch:contacts');
    expect(layout.ver).toBe('{crm:contacts}:ver');
    for (const key of [layout.changes('contacts.changes'), layout.ver, layout.rec('x'), layout.ids, layout.meta]) {
      expect(key.slice(0, key.indexOf('}') + 1)).toBe('{crm:contacts}');
    }
  });
});
