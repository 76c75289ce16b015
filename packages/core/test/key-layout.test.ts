// The documented key grammar (key-layout.ts); the cross-motif properties are checked with
// fast-check in packages/motifs/test/key-layout.property.test.ts.
import { describe, expect, it } from '@jest/globals';
import { CACHER_KEY_MARKER, MotifsErrorValidation, cacherKeyPrefix, namespacePrefix, repoKeyPrefix } from '../src/index.js';

describe('key layout', () => {
  it('a cacher key is motifs:cache:<namespace>:<key>; no namespace is the empty one', () => {
    expect(CACHER_KEY_MARKER).toBe('motifs:cache:');
    expect(namespacePrefix('app')).toBe('motifs:cache:app:');
    expect(namespacePrefix(undefined)).toBe('motifs:cache::');
    expect(namespacePrefix('')).toBe(cacherKeyPrefix(''));
    expect(namespacePrefix('{motifs')).toBe('motifs:cache:{motifs:');
  });

  it('a repo key starts with its hash tag {<namespace>:<name>}', () => {
    expect(repoKeyPrefix('motifs', 'contacts')).toBe('{motifs:contacts}:');
  });

  it('a cacher namespace with ":" is refused, so the first ":" after the marker ends it', () => {
    expect(() => namespacePrefix('a:b')).toThrow(MotifsErrorValidation);
  });
});
