// Which `notify-keyspace-events` values are enough for `watch` (CONFIG GET prints the flags in the
// server's own order: an `A` instead of the classes it covers, `K` / `E` last).
import { describe, expect, it } from '@jest/globals';
import { keyspaceEventsCover } from '../src/keyspace-feed.js';

describe('keyspaceEventsCover', () => {
  it.each(['AK', 'AKE', 'g$xK', 'g$xeKE', 'g$lshzxetdnK', 'AKEm'])('%s is enough', (flags) => {
    expect(keyspaceEventsCover(flags)).toBe(true);
  });
  it.each(['', 'AE', 'xE', 'g$K', 'gxK', '$xK', 'KE', 'A'])('%s is not', (flags) => {
    expect(keyspaceEventsCover(flags)).toBe(false);
  });
});
