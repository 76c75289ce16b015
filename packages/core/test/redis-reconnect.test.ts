import { describe, expect, it } from '@jest/globals';
import { REDIS_RECONNECT_DEFAULTS, redisReconnectDelayMs } from '../src/index.js';

describe('redisReconnectDelayMs', () => {
  it('doubles from 100 ms and never exceeds the cap, whatever the attempt number', () => {
    const top = (attempt: number, max?: number): number => redisReconnectDelayMs(attempt, max, () => 1);
    expect([1, 2, 3, 4, 5].map((a) => top(a))).toEqual([100, 200, 400, 800, 1000]);
    for (const attempt of [6, 40, 1000, Number.MAX_SAFE_INTEGER, Infinity, 0, -1, Number.NaN]) {
      expect(top(attempt)).toBeLessThanOrEqual(REDIS_RECONNECT_DEFAULTS.reconnectMaxDelayMs);
      expect(top(attempt)).toBeGreaterThan(0);
    }
    expect(top(100, 250)).toBe(250);
  });

  it('jitters down by at most a quarter', () => {
    expect(redisReconnectDelayMs(10, 1000, () => 0)).toBe(750);
    expect(redisReconnectDelayMs(1, 1000, () => 0)).toBe(75);
  });
});
