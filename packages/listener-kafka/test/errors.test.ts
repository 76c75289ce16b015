import { describe, expect, it } from '@jest/globals';
import { MotifsErrorConflict, isMotifsError, type MotifsErrorCode } from '@motifs/core';
import kafkajs from 'kafkajs';
import { toMotifsError } from '../src/index.js';

const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSRequestTimeoutError, KafkaJSSASLAuthenticationError, KafkaJSError } = kafkajs;
const protocol = (type: string, retriable = false) => new KafkaJSProtocolError({ type, code: 0, retriable, message: `${type} happened` } as never);

describe('toMotifsError (kafkajs error mapping)', () => {
  it.each([
    ['a refused connection', new KafkaJSConnectionError('Connection error: ECONNREFUSED'), 'MOTIFS_UNAVAILABLE', true],
    ['exhausted retries of a connection error', new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('down'), { retryCount: 5, retryTime: 100 }), 'MOTIFS_UNAVAILABLE', true],
    ['a request timeout', new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'), 'MOTIFS_TIMEOUT', true],
    ['a broker-side timeout', protocol('REQUEST_TIMED_OUT', true), 'MOTIFS_TIMEOUT', true],
    ['a message too large', protocol('MESSAGE_TOO_LARGE'), 'MOTIFS_VALIDATION', false],
    ['an illegal topic', protocol('INVALID_TOPIC_EXCEPTION'), 'MOTIFS_VALIDATION', false],
    ['a denied topic', protocol('TOPIC_AUTHORIZATION_FAILED'), 'MOTIFS_UNAVAILABLE', false],
    ['a failed SASL handshake', new (KafkaJSSASLAuthenticationError as unknown as new (m: string) => Error)('bad password'), 'MOTIFS_UNAVAILABLE', false],
    ['an unknown topic', protocol('UNKNOWN_TOPIC_OR_PARTITION', true), 'MOTIFS_NOT_FOUND', true],
    ['a leader election in progress', protocol('LEADER_NOT_AVAILABLE', true), 'MOTIFS_UNAVAILABLE', true],
    ['a non-retriable unknown error', new KafkaJSError('weird', { retriable: false }), 'MOTIFS_UNAVAILABLE', false],
    ['a plain Error', new Error('socket hang up'), 'MOTIFS_UNAVAILABLE', true],
  ])('maps %s to %s (retryable: %s)', (_what, err, code, retryable) => {
    const mapped = toMotifsError(err, 'publishing to t');
    expect(isMotifsError(mapped, code as MotifsErrorCode)).toBe(true);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.cause).toBe(err);
    expect(mapped.message.startsWith('publishing to t: ')).toBe(true);
    expect(mapped.details.kafkaError).toEqual(expect.any(String));
  });

  it('passes motifs errors through unchanged', () => {
    const own = new MotifsErrorConflict('mine');
    expect(toMotifsError(own, 'x')).toBe(own);
  });

  it('copes with values that are not errors', () => {
    expect(isMotifsError(toMotifsError(undefined, 'x'), 'MOTIFS_UNAVAILABLE')).toBe(true);
    expect(toMotifsError('text', 'x').message).toBe('x: text');
  });
});
