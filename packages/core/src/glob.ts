/**
 * Redis-style glob patterns (`*`, `?`, `[abc]`, `[^a]`, `[a-c]`, `\` escapes), matched exactly as
 * Redis's own matcher does: byte by byte over UTF-8, so `?` is one byte, reversed ranges are
 * swapped, and an unterminated `[` class runs to the end of the pattern.
 *
 * One exception: a class range from an ASCII byte to a non-ASCII one (`[é-z]`, `[a-é]`: é is the
 * bytes C3 A9 in UTF-8) is refused with {@link MotifsErrorValidation}. Redis compares bytes as C
 * `char`s, signed on x86 and unsigned on ARM Linux, and such a range covers different bytes under
 * each, so the same pattern matches different keys on different servers. Everything else with
 * non-ASCII bytes (literals, single class members, ranges with both ends non-ASCII, `?` and `*`)
 * matches alike everywhere.
 */
import { MotifsErrorValidation } from './errors.js';


// eslint-disable-next-line no-control-regex -- the ASCII range starts at NUL on purpose
const ASCII = /^[\x00-\x7f]*$/;

/** UTF-8 bytes as a string of char codes 0..255, so a RegExp can match byte-wise. */
function toBytes(text: string): string {
  return ASCII.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

function byteToken(code: number): string {
  return `\\x${code.toString(16).padStart(2, '0')}`;
}

function nonAsciiRange(what: string, start: number, end: number): MotifsErrorValidation {
  const hex = (code: number): string => `0x${code.toString(16)}`;
  return new MotifsErrorValidation(
    `${what} has a character-class range from ASCII to non-ASCII (bytes ${hex(start)}-${hex(end)} in UTF-8); Redis matches such ranges differently on different CPUs, so they are refused`,
    { issues: [{ path: [what], message: 'a class range must not mix an ASCII and a non-ASCII end' }], details: { start, end } },
  );
}

/** Translates one Redis glob into an anchored RegExp over byte strings. */
function globToRegExpSource(pattern: string, what: string): string {
  const p = toBytes(pattern);
  let out = '^';
  let i = 0;
  while (i < p.length) {
    const ch = p[i]!;
    if (ch === '*') {
      while (p[i + 1] === '*') i++;
      out += '[\\s\\S]*';
      i++;
    } else if (ch === '?') {
      out += '[\\s\\S]';
      i++;
    } else if (ch === '[') {
      i++;
      const negate = p[i] === '^';
      if (negate) i++;
      const parts: string[] = [];
      while (i < p.length) {
        const c = p[i]!;
        if (c === '\\' && i + 1 < p.length) {
          parts.push(byteToken(p.charCodeAt(i + 1)));
          i += 2;
        } else if (c === ']') {
          break;
        } else if (i + 2 < p.length && p[i + 1] === '-') {
          let start = p.charCodeAt(i);
          let end = p.charCodeAt(i + 2);
          if (start > 0x7f !== end > 0x7f) throw nonAsciiRange(what, start, end);
          if (start > end) [start, end] = [end, start];
          parts.push(`${byteToken(start)}-${byteToken(end)}`);
          i += 3;
        } else {
          parts.push(byteToken(p.charCodeAt(i)));
          i++;
        }
      }
      i++; // past ']' (or past the end when the class is unterminated)
      if (parts.length === 0) out += negate ? '[\\s\\S]' : '(?!)';
      else out += `[${negate ? '^' : ''}${parts.join('')}]`;
    } else if (ch === '\\' && i + 1 < p.length) {
      out += byteToken(p.charCodeAt(i + 1));
      i += 2;
    } else {
      out += byteToken(p.charCodeAt(i));
      i++;
    }
  }
  return `${out}$`;
}

/**
 * Compiles a Redis glob into a matcher; reuse it when testing many keys.
 * @throws MotifsErrorValidation for a class range from ASCII to non-ASCII (see the top of this file)
 * @example
 * const m = compileGlob('user:[0-9]*'); m('user:42'); // true
 */
export function compileGlob(pattern: string): (key: string) => boolean {
  const re = new RegExp(globToRegExpSource(pattern, 'pattern'));
  return (key) => re.test(toBytes(key));
}

/**
 * Throws {@link MotifsErrorValidation} for a glob every backend would not match alike: one with a
 * class range from an ASCII to a non-ASCII byte. Callers check before they reach a backend.
 * @example
 * assertGlob('user:[0-9]*', 'search'); // fine
 * assertGlob('[é-z]*', 'search');      // throws MotifsErrorValidation
 */
export function assertGlob(pattern: string, what = 'pattern'): void {
  globToRegExpSource(pattern, what);
}

/** One-off match of `key` against a Redis glob. */
export function matchGlob(pattern: string, key: string): boolean {
  return compileGlob(pattern)(key);
}

const GLOB_SPECIAL = /[*?[\]\\]/g;

/**
 * Escapes glob characters so `text` matches itself literally in a Redis pattern.
 * @example
 * `${escapeGlob('a*')}*` // matches keys that start with the two characters "a*"
 */
export function escapeGlob(text: string): string {
  return text.replace(GLOB_SPECIAL, '\\$&');
}
