/** Redis Cluster's 16384 hash slots. */
export const CLUSTER_SLOTS = 16384;

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

const encoder = new TextEncoder();

/**
 * The Redis Cluster slot of a key: CRC16 (XMODEM) of its UTF-8 bytes modulo 16384, or of its hash
 * tag (what lies between the first `{` and the next `}`, when that is not empty).
 * @example
 * redisKeySlot('motifs:cache{app}:x') === redisKeySlot('app') // true
 */
export function redisKeySlot(key: string): number {
  // `{` and `}` are one byte in UTF-8 and no other character's bytes include theirs, so the tag
  // found in the text is the tag Redis finds in the bytes.
  let from = 0;
  let to = key.length;
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) {
      from = open + 1;
      to = close;
    }
  }
  // ASCII (every key motifs makes from ASCII names) is its own UTF-8: hashed from the text, with
  // no byte copy. A listing or a batch computes this once per key.
  let crc = 0;
  for (let i = from; i < to; i++) {
    const code = key.charCodeAt(i);
    if (code > 0x7f) return crcOfBytes(encoder.encode(key.slice(from, to)));
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ code) & 0xff]!;
  }
  return crc % CLUSTER_SLOTS;
}

function crcOfBytes(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc % CLUSTER_SLOTS;
}

/** Splits keys by slot: `[slot, keys in input order]` pairs. */
export function groupBySlot(keys: string[]): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const key of keys) {
    const slot = redisKeySlot(key);
    const group = groups.get(slot);
    if (group) group.push(key);
    else groups.set(slot, [key]);
  }
  return groups;
}
