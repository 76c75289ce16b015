import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { describeWithService, kafkaBrokers, redisUrl, serviceStatus, uniqueNamespace } from '../src/index.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

function fakeApi() {
  const calls: string[] = [];
  const describe = Object.assign(jest.fn((name: string, body: () => void) => { calls.push(`describe:${name}`); body(); }), {
    skip: jest.fn((name: string) => { calls.push(`skip:${name}`); }),
  });
  const tests: Array<() => unknown> = [];
  const it = jest.fn((name: string, body: () => unknown) => { calls.push(`it:${name}`); tests.push(body); });
  return { api: { describe, it }, calls, tests };
}

describe('service gating', () => {
  it('runs the suite when the service is available or unchecked', () => {
    delete process.env.MOTIFS_REDIS_AVAILABLE;
    const { api, calls } = fakeApi();
    describeWithService(api, 'redis', 'suite', () => undefined);
    expect(calls).toEqual(['describe:suite']);
    expect(serviceStatus('redis')).toEqual({ available: true });
  });

  it('skips with the reason in the title outside CI', () => {
    Object.assign(process.env, { MOTIFS_KAFKA_AVAILABLE: '0', MOTIFS_KAFKA_REASON: 'java not found', CI: '' });
    const { api, calls } = fakeApi();
    describeWithService(api, 'kafka', 'suite', () => undefined);
    expect(calls).toEqual(['skip:suite [SKIPPED: kafka unavailable: java not found]']);
  });

  it('fails in CI when the service is missing', () => {
    Object.assign(process.env, { MOTIFS_KAFKA_AVAILABLE: '0', MOTIFS_KAFKA_REASON: 'java not found', CI: 'true' });
    const { api, tests } = fakeApi();
    describeWithService(api, 'kafka', 'suite', () => undefined);
    expect(tests).toHaveLength(1);
    expect(() => tests[0]!()).toThrow('kafka is required in CI but is unavailable: java not found');
  });

  it('reads URLs from env with local defaults', () => {
    delete process.env.MOTIFS_REDIS_URL;
    delete process.env.MOTIFS_KAFKA_BROKERS;
    expect(redisUrl()).toBe('redis://127.0.0.1:6379');
    expect(kafkaBrokers()).toEqual(['127.0.0.1:9092']);
    process.env.MOTIFS_KAFKA_BROKERS = 'a:1, b:2';
    expect(kafkaBrokers()).toEqual(['a:1', 'b:2']);
  });

  it('makes distinct namespaces', () => {
    expect(uniqueNamespace()).not.toBe(uniqueNamespace());
    expect(uniqueNamespace('p')).toMatch(/^p-/);
  });
});
