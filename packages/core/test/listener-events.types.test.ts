// The typed `em` of listeners and publishers. The `@ts-expect-error` lines are checked by the
// typecheck target (tsc over test/): each must stay an error, or tsc fails on the unused directive.
import { describe, expect, it } from '@jest/globals';
import Emittery from 'emittery';
import type { IListener, IPublisher, ListenerEvents } from '../src/index.js';
import type { AbandonedMessage, PublisherEvents } from '../src/kit.js';
import { MotifsErrorAbandoned } from '../src/index.js';

/** Compiles only if the event payloads are typed (never run: the calls need a real listener). */
export function typedEvents(listener: IListener<{ id: string }>, publisher: IPublisher<{ id: string }>): void {
  listener.em.on('abandoned', (e) => {
    const offset: string = e.offset;
    const partition: number = e.partition;
    const code: 'MOTIFS_ABANDONED' | string = e.error.code;
    void [offset, partition, code];
  });
  listener.em.on('retry', ({ attempt, delayMs }) => void (attempt + delayMs));
  listener.em.on('rebalance', ({ partitions }) => void partitions.map((p) => p + 1));
  listener.em.on('dead-letter', ({ reason }) => void (reason === 'schema'));
  publisher.em.on('closed', ({ channelId }) => void channelId.length);
  // @ts-expect-error an offset is a decimal string, not a number
  listener.em.on('abandoned', (e) => void ((n: number) => n)(e.offset));
  // @ts-expect-error no such field on the payload
  listener.em.on('abandoned', (e) => void e.nope);
  // @ts-expect-error no such event
  listener.em.on('abandonned', () => undefined);
  // @ts-expect-error a publisher has no listener events
  publisher.em.on('retry', () => undefined);
  // @ts-expect-error emitting needs the event's payload
  void listener.em.emit('listening', { channelId: 'c' });
}

describe('typed listener events', () => {
  it('delivers the typed payload to a typed handler', async () => {
    const em = new Emittery<ListenerEvents>();
    const seen: AbandonedMessage[] = [];
    em.on('abandoned', (e) => {
      seen.push(e);
    });
    const error = new MotifsErrorAbandoned('gave up');
    await em.emit('abandoned', { channelId: 'c', groupId: 'g', partition: 1, offset: '9', error });
    expect(seen).toEqual([{ channelId: 'c', groupId: 'g', partition: 1, offset: '9', error }]);
    const pem = new Emittery<PublisherEvents>();
    const closed: string[] = [];
    pem.on('closed', ({ channelId }) => {
      closed.push(channelId);
    });
    await pem.emit('closed', { channelId: 'c' });
    expect(closed).toEqual(['c']);
  });
});
