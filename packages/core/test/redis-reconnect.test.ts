import { describe, expect, it } from '@jest/globals';
import { REDIS_DEFAULTS, redisReconnectDelayMs } from '../src/redis/index.js';

describe('redisReconnectDelayMs (full jitter)', () => {
  const ceilingOf = (attempt: number, max?: number): number => redisReconnectDelayMs(attempt, max, () => 1);

  it('has a ceiling that doubles from 100 ms and never exceeds the cap, whatever the attempt number', () => {
    expect([1, 2, 3, 4, 5].map((a) => ceilingOf(a))).toEqual([100, 200, 400, 800, 1000]);
    for (const attempt of [6, 40, 1000, Number.MAX_SAFE_INTEGER, Infinity, 0, -1, Number.NaN]) {
      expect(ceilingOf(attempt)).toBeLessThanOrEqual(REDIS_DEFAULTS.reconnectMaxDelayMs);
      expect(ceilingOf(attempt)).toBeGreaterThan(0);
    }
    expect(ceilingOf(100, 250)).toBe(250);
  });

  it('spreads each pause over the whole range from 0 to the ceiling', () => {
    expect(redisReconnectDelayMs(10, 1000, () => 0)).toBe(1);
    expect(redisReconnectDelayMs(10, 1000, () => 0.5)).toBe(500);
    expect(redisReconnectDelayMs(3, 1000, () => 0.25)).toBe(100);
    expect(redisReconnectDelayMs(1, 1000, () => 0.999)).toBe(100);
  });

  it('stays within [1, cap] even with a random source out of range', () => {
    expect(redisReconnectDelayMs(10, 1000, () => 7)).toBe(1000);
    expect(redisReconnectDelayMs(10, 1000, () => -3)).toBe(1);
  });

  it('gives different pauses to instances that lost Redis together', () => {
    const pauses = new Set(Array.from({ length: 50 }, () => redisReconnectDelayMs(8, 1000)));
    expect(pauses.size).toBeGreaterThan(10);
    for (const pause of pauses) expect(pause).toBeLessThanOrEqual(1000);
  });
});
