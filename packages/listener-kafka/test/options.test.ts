import { describe, expect, it } from '@jest/globals';
import { isMotifsError } from '@motifs/core';
import { defaultGroupIdFor } from '@motifs/core/kit';
import { assertTopic, brokerList, createKafkaListener, createKafkaPublisher, createListener } from '../src/index.js';

const code = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return isMotifsError(err) ? err.code : err;
  }
  return 'no error';
};

describe('kafka options', () => {
  it('parses url and brokers', () => {
    expect(brokerList({ url: 'localhost:9092' })).toEqual(['localhost:9092']);
    expect(brokerList({ url: 'kafka://a:1, b:2' })).toEqual(['a:1', 'b:2']);
    expect(brokerList({ url: '[::1]:9092' })).toEqual(['[::1]:9092']);
    expect(brokerList({ brokers: ['x:1'], url: 'ignored:2' })).toEqual(['x:1']);
    expect(brokerList({})).toEqual(['localhost:9092']);
  });

  it.each([
    ['an empty channelId', { channelId: '' }],
    ['an illegal topic character', { channelId: 'mars/contacts' }],
    ['a topic named ..', { channelId: '..' }],
    ['a 250-character topic', { channelId: 'x'.repeat(250) }],
    ['a url without a port', { channelId: 'mars', kafka: { url: 'localhost' } }],
    ['a url that is not a string', { channelId: 'mars', kafka: { url: 9092 } }],
    ['an empty broker list', { channelId: 'mars', kafka: { brokers: [] } }],
    ['a bad dead-letter topic', { channelId: 'mars', kafka: { deadLetterTopic: 'a b' } }],
    ['a zero partitionsConcurrency', { channelId: 'mars', kafka: { partitionsConcurrency: 0 } }],
    ['a negative commit interval', { channelId: 'mars', kafka: { commitIntervalMs: -5 } }],
    ['an unknown log level', { channelId: 'mars', kafka: { logLevel: 'loud' } }],
    ['a zero unavailableAfterMs', { channelId: 'mars', kafka: { unavailableAfterMs: 0 } }],
    ['a negative unavailableGraceMs', { channelId: 'mars', kafka: { unavailableGraceMs: -1 } }],
    ['a non-numeric unavailableGraceMs', { channelId: 'mars', kafka: { unavailableGraceMs: '10' } }],
    ['an infinite disconnectTimeoutMs', { channelId: 'mars', kafka: { disconnectTimeoutMs: Infinity } }],
    ['a client that is not kafkajs', { channelId: 'mars', kafka: { client: {} } }],
    ['a bad retry policy', { channelId: 'mars', kafka: { retry: { attempts: -1 } } }],
    ['an empty groupId', { channelId: 'mars', kafka: { groupId: '' } }],
    ['an app that is not a string', { channelId: 'mars', kafka: { app: 7 } }],
    ['a logger without error()', { channelId: 'mars', kafka: { logger: { warn: () => undefined } } }],
    ['options that are not an object', null],
  ])('rejects %s with MOTIFS_VALIDATION when building a listener or a publisher', (_what, options) => {
    expect(code(() => createKafkaListener(options as never))).toBe('MOTIFS_VALIDATION');
    expect(code(() => createKafkaPublisher(options as never))).toBe('MOTIFS_VALIDATION');
  });

  it('accepts the seed\'s options and documents its defaults (nothing connects until listen/publish)', () => {
    // The default group is the app's identity plus the channel. Under jest the entry module is jest
    // itself, so the identity is injected with `app`.
    const listener = createKafkaListener({ channelId: 'mars', kafka: { url: 'localhost:9092', app: 'billing' } });
    expect(listener.groupId).toBe('billing.mars');
    expect(createKafkaListener({ channelId: 'mars', kafka: { app: 'billing', groupId: 'mine' } }).groupId).toBe('mine');
    expect(createKafkaListener({ channelId: 'mars' }).groupId).toBe(defaultGroupIdFor('mars').groupId);
    expect(listener.deadLetterTopic).toBe('mars.dlq');
    expect(listener.channelId).toBe('mars');
    expect(typeof createListener({ channelId: 'mars' }).listen).toBe('function');
    expect(code(() => assertTopic('ok.topic_name-1'))).toBe('no error');
  });
});
