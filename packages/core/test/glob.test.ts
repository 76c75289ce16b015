import { describe, expect, it } from '@jest/globals';
import { compileGlob, escapeGlob, matchGlob } from '../src/kit.js';

// Expected results follow Redis's stringmatchlen; the parity test in @motifs/test-suite
// re-checks every row of GLOB_CASES against a real Redis.
describe('matchGlob (Redis semantics)', () => {
  it.each([
    ['*', 'anything', true],
    ['user:*', 'user:1', true],
    ['user:*', 'user:', true],
    ['user:*', 'use', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-c]llo', 'hbllo', true],
    ['h[c-a]llo', 'hbllo', true], // reversed ranges are swapped
    ['h[a-c]llo', 'hdllo', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['a[\\]]b', 'a]b', true],
    ['a[]b', 'ab', false],
    ['a[abc', 'ab', true], // an unterminated class runs to the end
    ['a\\', 'a\\', true],
    ['**a', 'xxa', true],
    ['a?', 'a', false],
    ['k-?', 'k-é', false], // ? is one byte; é is two in UTF-8, as in Redis
    ['k-??', 'k-é', true],
    ['k-é*', 'k-été', true],
  ])('%j vs %j -> %p', (pattern, key, expected) => {
    expect(matchGlob(pattern, key)).toBe(expected);
  });

  it('compiles once for many keys', () => {
    const match = compileGlob('a[0-9]');
    expect(['a1', 'a9', 'ab', 'a10'].filter(match)).toEqual(['a1', 'a9']);
  });
});

describe('escapeGlob', () => {
  it.each(['a*', 'what?', '[x]', 'back\\slash', 'plain', 'ü*[^]'])('makes %j match only itself', (text) => {
    const literal = compileGlob(escapeGlob(text));
    expect(literal(text)).toBe(true);
    expect(literal(`${text}x`)).toBe(false);
    const prefix = compileGlob(`${escapeGlob(text)}*`);
    expect(prefix(`${text}tail`)).toBe(true);
    expect(prefix(text.replace(/[*?[\]\\]/g, 'Z') + 'tail')).toBe(text === 'plain');
  });
});
