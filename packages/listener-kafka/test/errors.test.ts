import { describe, expect, it } from '@jest/globals';
import { MotifsErrorConflict, isMotifsError, type MotifsErrorCode } from '@motifs/core';
import kafkajs from 'kafkajs';
import { KAFKA_ERROR_TABLE, toMotifsError } from '../src/index.js';

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

  /** What a row promises for an error of its key, when the kafkajs error says `retriable`. */
  const classRetryable = { MOTIFS_VALIDATION: false, MOTIFS_UNAVAILABLE: true, MOTIFS_TIMEOUT: true, MOTIFS_NOT_FOUND: false } as const;
  const errorFor = (key: string, retriable: boolean): Error =>
    key.startsWith('KafkaJS') ? Object.assign(new KafkaJSError(`${key} happened`, { retriable }), { name: key }) : protocol(key, retriable);

  describe.each(Object.entries(KAFKA_ERROR_TABLE))('table row %s', (key, row) => {
    it.each([true, false])(`maps it to ${row.code ?? 'MOTIFS_UNAVAILABLE'} (kafkajs retriable: %s)`, (retriable) => {
      const mapped = toMotifsError(errorFor(key, retriable), 'doing');
      const code = row.code ?? 'MOTIFS_UNAVAILABLE';
      expect(mapped.code).toBe(code);
      // A row's retryable wins; a row without a code keeps what kafkajs says; otherwise the class decides.
      expect(mapped.retryable).toBe(row.retryable ?? (row.code ? classRetryable[row.code] : retriable));
      expect(mapped.details).toMatchObject(key.startsWith('KafkaJS') ? { kafkaError: key } : { kafkaType: key });
    });

    it('is found under retries that wrap it', () => {
      const wrapped = new KafkaJSNumberOfRetriesExceeded(errorFor(key, true), { retryCount: 5, retryTime: 100 });
      const mapped = toMotifsError(wrapped, 'doing');
      // A row without its own code falls back to the wrapper's row: exhausted retries are unavailable.
      expect(mapped.code).toBe(row.code ?? 'MOTIFS_UNAVAILABLE');
      expect(mapped.cause).toBe(wrapped);
    });
  });

  it('says which rejected batches were not written, and which may be split', () => {
    const notWritten = Object.entries(KAFKA_ERROR_TABLE).filter(([, r]) => r.notWritten).map(([k]) => k).sort();
    expect(notWritten).toEqual(
      ['CLUSTER_AUTHORIZATION_FAILED', 'CORRUPT_MESSAGE', 'INVALID_RECORD', 'INVALID_REQUIRED_ACKS', 'INVALID_TIMESTAMP', 'INVALID_TOPIC_EXCEPTION', 'MESSAGE_TOO_LARGE', 'NOT_ENOUGH_REPLICAS', 'RECORD_LIST_TOO_LARGE', 'TOPIC_AUTHORIZATION_FAILED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED'],
    );
    const tooLarge = Object.entries(KAFKA_ERROR_TABLE).filter(([, r]) => r.batch === 'too-large').map(([k]) => k).sort();
    expect(tooLarge).toEqual(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
  });

  it('does not take an inherited property name for a row', () => {
    const odd = Object.assign(new Error('odd'), { name: 'constructor', type: 'toString' });
    const mapped = toMotifsError(odd, 'doing');
    expect(mapped.code).toBe('MOTIFS_UNAVAILABLE');
    expect(mapped.retryable).toBe(true);
  });
});
