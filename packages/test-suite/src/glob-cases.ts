/**
 * Glob patterns and keys whose match results must agree with Redis. Adapters that filter keys
 * themselves check against this table; the parity test replays it against a real Redis.
 */
export const GLOB_KEYS: readonly string[] = [
  'hello', 'hallo', 'hillo', 'hllo', 'heello', 'h*llo', 'h?llo', 'h[a]llo', 'h\\llo',
  'user:1', 'user:42', 'user:', 'users', 'a*b', 'axb', 'a]b', 'a-b', 'a^b', 'k-é', 'k-été', 'ключ', '🔑x',
];

export const GLOB_PATTERNS: readonly string[] = [
  '*', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-e]llo', 'h[e-a]llo', 'h\\*llo', 'h\\?llo', 'h[\\]]llo',
  'user:*', 'user:?', 'user:??', 'a\\*b', 'a[*]b', 'a[]]b', 'a[\\]]b', 'a[-]b', 'a[\\^]b', 'a[^x]b',
  'k-?', 'k-??', 'k-é*', 'ключ', 'клю?', '?x', '????x', 'h[a', 'h\\', '*llo', '**o', 'h[!e]llo',
];
