// The slot computation that groups batch and listing commands per slot and per master.
import { describe, expect, it } from '@jest/globals';
import { groupBySlot, redisKeySlot } from '../src/key-slot.js';

describe('redisKeySlot', () => {
  it('matches Redis CLUSTER KEYSLOT on reference keys', () => {
    // Values from `CLUSTER KEYSLOT` on Redis 7.
    const reference: [string, number][] = [
      ['foo', 12182], ['motifs:cache{app}:x', 6805], ['ключ{}x', 3586], ['{}{a}', 13650], ['a{b', 13340],
      ['é{ключ}x', 10303], ['a{é}', 10180], ['😀', 2959], ['x{😀}y', 2959], ['{a}é', 15495],
      ['motifs:cache:ns:k1', 9569], ['motifs:cache{ns}:k1', 9937],
    ];
    expect(reference.map(([key]) => [key, redisKeySlot(key)])).toEqual(reference);
  });

  it('hashes the UTF-8 bytes Redis receives, whether the text is ASCII or not (ASCII is hashed from the text)', () => {
    // The reference: CRC16 of the bytes ioredis sends (Buffer's UTF-8, U+FFFD for a lone surrogate).
    const table = Array.from({ length: 256 }, (_, i) => {
      let crc = i << 8;
      for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
      return crc;
    });
    const slotOfBytes = (key: string): number => {
      let bytes = Buffer.from(key, 'utf8');
      const open = bytes.indexOf(0x7b);
      const close = open === -1 ? -1 : bytes.indexOf(0x7d, open + 1);
      if (close > open + 1) bytes = bytes.subarray(open + 1, close);
      let crc = 0;
      for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ table[((crc >> 8) ^ byte) & 0xff]!;
      return crc % 16384;
    };
    const parts = ['a', 'Z', '0', ':', '{', '}', '\u007f', '\u0080', 'é', 'ключ', '😀', '\ud800', '\udfff', ''];
    let checked = 0;
    for (const a of parts) for (const b of parts) for (const c of parts) {
      for (const key of [a + b + c, `k${a}{${b}}${c}`, `{${a}${b}}${c}x`]) {
        expect([key, redisKeySlot(key)]).toEqual([key, slotOfBytes(key)]);
        checked++;
      }
    }
    expect(checked).toBe(parts.length ** 3 * 3);
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
