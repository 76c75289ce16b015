import { describe, expect, it } from '@jest/globals';
import { assertNotChannelPattern, compileChannelPattern, deadLetterDepth, isChannelPattern, patternUnsupported } from '../src/kit.js';

describe('channel patterns', () => {
  it('a channelId with * ? or [ is a pattern', () => {
    expect(['a.*', 'a.?', 'a.[bc]', '*'].map(isChannelPattern)).toEqual([true, true, true, true]);
    expect(['a', 'a.b', 'a-b_c', 'a.dlq'].map(isChannelPattern)).toEqual([false, false, false, false]);
  });

  it('uses the project glob: * crosses dots, ? is one character', () => {
    const m = compileChannelPattern('orders.*');
    expect(['orders.eu', 'orders.eu.west', 'orders.'].map(m)).toEqual([true, true, true]);
    expect(['orders', 'invoices.eu', 'xorders.eu'].map(m)).toEqual([false, false, false]);
    expect(compileChannelPattern('jobs.?')('jobs.a')).toBe(true);
    expect(compileChannelPattern('jobs.?')('jobs.ab')).toBe(false);
  });

  it('never matches a channel with a different number of .dlq suffixes (its own dead letters)', () => {
    expect(deadLetterDepth('a')).toBe(0);
    expect(deadLetterDepth('a.dlq.dlq')).toBe(2);
    expect(deadLetterDepth('.dlq')).toBe(1);
    const m = compileChannelPattern('orders.*');
    expect(m('orders.eu.dlq')).toBe(false);
    expect(m('orders.dlq')).toBe(false);
    const dlq = compileChannelPattern('orders.*.dlq');
    expect(dlq('orders.eu.dlq')).toBe(true);
    expect(dlq('orders.eu.dlq.dlq')).toBe(false);
    expect(compileChannelPattern('*')('anything.dlq')).toBe(false);
  });

  it('never matches a request/reply reply channel unless the pattern names replies itself', () => {
    const m = compileChannelPattern('orders.*');
    expect(m('orders.created')).toBe(true);
    expect(m('orders.created.reply.1f2e')).toBe(false);
    expect(m('orders.reply.1f2e')).toBe(false);
    const replies = compileChannelPattern('orders.*.reply.*');
    expect(replies('orders.created.reply.1f2e')).toBe(true);
    expect(replies('orders.created')).toBe(false);
  });

  it('refuses patterns where one channel is needed, and globs backends would match differently', () => {
    expect(() => assertNotChannelPattern('a.*')).toThrow(expect.objectContaining({ code: 'MOTIFS_VALIDATION' }) as never);
    expect(() => assertNotChannelPattern('a.b')).not.toThrow();
    expect(() => compileChannelPattern('[é-z]*')).toThrow(expect.objectContaining({ code: 'MOTIFS_VALIDATION' }) as never);
    const err = patternUnsupported('redis', 'a.*');
    expect(err).toMatchObject({ code: 'MOTIFS_VALIDATION', details: { kind: 'redis', reason: 'pattern-unsupported' } });
  });
});
