// The slot computation that groups batch and listing commands per slot and per master.
import { describe, expect, it } from '@jest/globals';
import { groupBySlot, redisKeySlot } from '../src/key-slot.js';

describe('redisKeySlot', () => {
  it('matches Redis CLUSTER KEYSLOT on reference keys', () => {
    // Values from `CLUSTER KEYSLOT` on Redis 7.
    expect(redisKeySlot('foo')).toBe(12182);
    expect(redisKeySlot('motifs:cache{app}:x')).toBe(6805);
    expect(redisKeySlot('ключ{}x')).toBe(3586);
    expect(redisKeySlot('{}{a}')).toBe(13650);
    expect(redisKeySlot('a{b')).toBe(13340);
  });

  it('hashes only a non-empty hash tag', () => {
    expect(redisKeySlot('{user1}:a')).toBe(redisKeySlot('user1'));
    expect(redisKeySlot('x{user1}y{z}')).toBe(redisKeySlot('user1'));
    expect(redisKeySlot('motifs:cache{}:k')).not.toBe(redisKeySlot(''));
  });

  it('groups keys per slot, keeping their order', () => {
    const groups = groupBySlot(['{a}1', 'b', '{a}2']);
    expect(groups.get(redisKeySlot('a'))).toEqual(['{a}1', '{a}2']);
    expect(groups.get(redisKeySlot('b'))).toEqual(['b']);
  });
});
