// The documented key grammar (key-layout.ts); the cross-motif properties are checked with
// fast-check in packages/motifs/test/key-layout.property.test.ts.
import { describe, expect, it } from '@jest/globals';
import { MotifsErrorValidation } from '../src/index.js';
import { CACHER_KEY_MARKER, CACHER_TAGGED_KEY_MARKER, cacherKeyPrefix, namespacePrefix, repoKeyPrefix, taggedNamespacePrefix } from '../src/kit.js';

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

  it('a hash-tagged cacher key is motifs:cache{<namespace>}:<key>, never an untagged or repo key', () => {
    expect(CACHER_TAGGED_KEY_MARKER).toBe('motifs:cache{');
    expect(taggedNamespacePrefix('app')).toBe('motifs:cache{app}:');
    // No namespace: an empty tag, which Redis ignores (the keys spread).
    expect(taggedNamespacePrefix(undefined)).toBe('motifs:cache{}:');
    expect(taggedNamespacePrefix('')).toBe('motifs:cache{}:');
    // The untagged namespace "{app}" spells the same tag but another prefix.
    expect(namespacePrefix('{app}')).toBe('motifs:cache:{app}:');
    expect(taggedNamespacePrefix('app').startsWith(CACHER_KEY_MARKER)).toBe(false);
    expect(taggedNamespacePrefix('app').startsWith('{')).toBe(false);
    // A tagged namespace has no braces, so no tagged prefix starts another.
    for (const bad of ['a}b', '{a', 'a:b', 42]) expect(() => taggedNamespacePrefix(bad)).toThrow(MotifsErrorValidation);
    expect(taggedNamespacePrefix('ab').startsWith(taggedNamespacePrefix('a'))).toBe(false);
  });
});
