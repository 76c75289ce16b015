// The core glob matcher must agree with Redis's own on every case in GLOB_PATTERNS, and the
// patterns it refuses (GLOB_REJECTED_PATTERNS) must be ones whose Redis answer depends on the CPU.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { MotifsErrorValidation } from '@motifs/core';
import { compileGlob, escapeGlob } from '@motifs/core/kit';
import { GLOB_KEYS, GLOB_PATTERNS, GLOB_REJECTED_PATTERNS, describeWithService, redisUrl, uniqueNamespace } from '../src/index.js';

/**
 * A byte-level model of Redis's glob matcher (util.c stringmatchlen, written from its documented
 * behaviour) with the one platform choice made explicit: whether a C `char` is signed. It only
 * explains the refused patterns; the accepted ones are checked against Redis itself.
 */
function redisModelMatch(pattern: string, key: string, signedChar: boolean): boolean {
  const p = Buffer.from(pattern, 'utf8');
  const s = Buffer.from(key, 'utf8');
  const char = (byte: number): number => (signedChar && byte > 0x7f ? byte - 256 : byte);
  const BACKSLASH = 0x5c;
  const match = (pi: number, si: number): boolean => {
    while (pi < p.length && si < s.length) {
      const c = p[pi]!;
      if (c === 0x2a) { // '*'
        while (p[pi + 1] === 0x2a) pi++;
        if (pi === p.length - 1) return true;
        for (let k = si; k < s.length; k++) if (match(pi + 1, k)) return true;
        return false;
      }
      if (c === 0x3f) { // '?'
        pi++;
        si++;
        continue;
      }
      if (c === 0x5b) { // '['
        pi++;
        const negate = p[pi] === 0x5e;
        if (negate) pi++;
        let hit = false;
        while (pi < p.length) {
          if (p[pi] === BACKSLASH && pi + 1 < p.length) {
            pi++;
            if (p[pi] === s[si]) hit = true;
          } else if (p[pi] === 0x5d) {
            break;
          } else if (pi + 2 < p.length && p[pi + 1] === 0x2d) {
            let start = char(p[pi]!);
            let end = char(p[pi + 2]!);
            if (start > end) [start, end] = [end, start];
            const b = char(s[si]!);
            if (b >= start && b <= end) hit = true;
            pi += 2;
          } else if (p[pi] === s[si]) {
            hit = true;
          }
          pi++;
        }
        if (negate) hit = !hit;
        if (!hit) return false;
        pi = Math.min(pi + 1, p.length);
        si++;
        continue;
      }
      if (c === BACKSLASH && pi + 1 < p.length) pi++;
      if (p[pi] !== s[si]) return false;
      pi++;
      si++;
    }
    if (si === s.length) while (p[pi] === 0x2a) pi++;
    return pi === p.length && si === s.length;
  };
  return match(0, 0);
}

describeWithService({ describe, it }, 'redis', 'glob parity with Redis', () => {
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  const ns = `${uniqueNamespace('motifs-glob')}:`;

  beforeAll(async () => {
    await redis.mset(Object.fromEntries(GLOB_KEYS.map((k) => [ns + k, '1'])));
  });
  afterAll(async () => {
    await redis.del(...GLOB_KEYS.map((k) => ns + k));
    await redis.quit();
  });

  async function redisMatches(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', escapeGlob(ns) + pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys.map((k) => k.slice(ns.length)));
    } while (cursor !== '0');
    return found.sort();
  }

  it.each(GLOB_PATTERNS)('%j matches the same keys as Redis SCAN MATCH', async (pattern) => {
    const match = compileGlob(escapeGlob(ns) + pattern);
    const ours = GLOB_KEYS.filter((k) => match(ns + k)).sort();
    expect(ours).toEqual(await redisMatches(pattern));
  });

  it.each(GLOB_PATTERNS)('%j: the byte model agrees with Redis whether char is signed or not', async (pattern) => {
    const redisKeys = await redisMatches(pattern);
    expect(GLOB_KEYS.filter((k) => redisModelMatch(pattern, k, true)).sort()).toEqual(redisKeys);
    expect(GLOB_KEYS.filter((k) => redisModelMatch(pattern, k, false)).sort()).toEqual(redisKeys);
  });

  it.each(GLOB_REJECTED_PATTERNS)('%j is refused; Redis answers it as one CPU\'s char reading', async (pattern) => {
    expect(() => compileGlob(pattern)).toThrow(MotifsErrorValidation);
    const redisKeys = await redisMatches(pattern);
    const signed = GLOB_KEYS.filter((k) => redisModelMatch(pattern, k, true)).sort();
    const unsigned = GLOB_KEYS.filter((k) => redisModelMatch(pattern, k, false)).sort();
    expect([signed, unsigned]).toContainEqual(redisKeys);
  });

  it('the refused patterns really are CPU-dependent: signed and unsigned readings differ on them', () => {
    const differing = GLOB_REJECTED_PATTERNS.filter((pattern) => {
      const signed = GLOB_KEYS.filter((k) => redisModelMatch(pattern, k, true));
      const unsigned = GLOB_KEYS.filter((k) => redisModelMatch(pattern, k, false));
      return signed.join('\n') !== unsigned.join('\n');
    });
    expect(differing).toEqual([...GLOB_REJECTED_PATTERNS]);
  });
});
