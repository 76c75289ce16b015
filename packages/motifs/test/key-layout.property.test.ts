// The Redis key grammar shared by every motif (core `key-layout.ts`), checked over generated names:
// no two distinct (motif, namespace, name, key) tuples build the same Redis key, and no listing
// pattern a motif sends to SCAN matches a key another motif, namespace or repo owns.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RepoLayout } from '@motifs/repo-redis';
import { isMotifsError } from '../src/index.js';
import { assertKey, compileGlob, escapeGlob, namespacePrefix, normalizeRepoSettings } from '@motifs/core/kit';

/** Characters that structure keys or globs, plus ordinary and non-ASCII ones. */
const PIECES = ['{', '}', ':', '*', '?', '[', ']', '\\', '^', '-', 'a', 'b', 'm', 'o', 't', 'i', 'f', 's', 'c', 'h', 'e', 'r', '_', '0', 'é', '🙂', '\ufffd', '\ud800', '\udfff', ' ', '\u0000'];
const piece = fc.constantFrom(...PIECES);
/** Short strings drawn from {@link PIECES}, with the words the layouts themselves use mixed in. */
const text = (maxLength: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.array(piece, { maxLength }).map((parts) => parts.join('')) },
    { weight: 1, arbitrary: fc.constantFrom('', 'motifs', 'motifs:cache', 'motifs:cache:', '{motifs', 'people}:rec:p1', 'rec:p1', 'ids', 'meta', '{a:b}', 'cache:', ':') },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('{', 'motifs:cache:', '{motifs:', ''), fc.array(piece, { maxLength: 6 })).map(([head, parts]) => head + parts.join('')) },
  );

/** Who owns a key: one cacher namespace, or one repo. */
type Owner = { motif: 'cacher'; namespace: string } | { motif: 'repo'; namespace: string; name: string };
interface Built {
  owner: Owner;
  /** What identifies the key within its owner. */
  item: string;
  key: string;
}

/** The marker every cacher key starts with (see core key-layout.ts). */
const MARKER = 'motifs:cache:';

const ownerId = (owner: Owner): string => JSON.stringify(owner);

/** The value of `build()`, or undefined when the motif refuses the input (a typed validation error). */
function unlessRefused<T>(build: () => T): T | undefined {
  try {
    return build();
  } catch (error) {
    if (isMotifsError(error, 'MOTIFS_VALIDATION')) return undefined;
    throw error;
  }
}

/** The prefix of the cacher in `namespace`, or undefined when the cacher refuses the namespace. */
const cacherPrefix = (namespace: string): string | undefined => unlessRefused(() => namespacePrefix(namespace));

/** What Redis stores: the UTF-8 bytes of the key (a lone surrogate becomes U+FFFD on the way). */
const bytes = (key: string): string => Buffer.from(key, 'utf8').toString('hex');

const repoLayout = (namespace: string, name: string): RepoLayout | undefined =>
  unlessRefused(() => {
    normalizeRepoSettings({ name, namespace });
    return new RepoLayout(namespace, name);
  });

/** The repo's record key, or undefined when the repo refuses the id. */
const recKey = (layout: RepoLayout, id: string): string | undefined =>
  unlessRefused(() => {
    assertKey(id, 'id');
    return layout.rec(id);
  });

const cacherEntry = fc.record({ namespace: text(6), key: text(8).filter((k) => k.length > 0) });
const repoEntry = fc.record({
  namespace: text(6),
  // Mostly valid names (the pattern is strict), some with structural characters that must be refused.
  name: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,6}$/), text(6)),
  id: text(8).filter((k) => k.length > 0),
  field: text(4).filter((k) => k.length > 0),
  value: fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean()),
});

/**
 * Adversarial cachers: every way to cut an existing key at a ":" into namespace + key, and the
 * whole key given to a cacher without a namespace (with and without the cacher marker in front).
 * Random strings alone would almost never spell another motif's key.
 */
function spellings(keys: string[]): { namespace: string; key: string }[] {
  const out: { namespace: string; key: string }[] = [];
  for (const full of keys) {
    for (const k of [full, full.startsWith(MARKER) ? full.slice(MARKER.length) : undefined]) {
      if (!k) continue;
      out.push({ namespace: '', key: k });
      for (let i = k.indexOf(':'); i >= 0; i = k.indexOf(':', i + 1)) if (i + 1 < k.length) out.push({ namespace: k.slice(0, i), key: k.slice(i + 1) });
    }
  }
  return out;
}

/** A different string with the same UTF-8 bytes when lone surrogates are involved: U+FFFD and lone surrogates swapped. */
const twin = (text: string): string => (text.includes('\ufffd') ? text.replace(/\ufffd/g, '\ud800') : text.replace(/[\ud800-\udfff]/g, '\ufffd'));

type RepoInput = { namespace: string; name: string; id: string; field: string; value: unknown };

/** Every key the generated motifs would write, with its owner; refused names build nothing. */
function build(given: { namespace: string; key: string }[], generated: RepoInput[]): Built[] {
  const out: Built[] = [];
  const cachers = [...given, ...given.map(({ namespace, key }) => ({ namespace: twin(namespace), key: twin(key) }))];
  const repos = [...generated, ...generated.map((r) => ({ ...r, namespace: twin(r.namespace), id: twin(r.id) }))];
  for (const { namespace, name, id, field, value } of repos) {
    const layout = repoLayout(namespace, name);
    if (!layout) continue;
    const owner: Owner = { motif: 'repo', namespace, name };
    const rec = recKey(layout, id);
    if (rec !== undefined) out.push({ owner, item: `rec ${id}`, key: rec });
    out.push({ owner, item: 'ids', key: layout.ids });
    out.push({ owner, item: 'meta', key: layout.meta });
    out.push({ owner, item: `idx ${JSON.stringify([field, value])}`, key: layout.idx(field, JSON.stringify(value)) });
    out.push({ owner, item: `zidx ${field}`, key: layout.zidx(field) });
  }
  const direct: string[] = [];
  for (const { namespace, key } of given) {
    const prefix = cacherPrefix(namespace);
    if (prefix !== undefined) direct.push(prefix + key);
  }
  cachers.push(...spellings([...out.map((b) => b.key), ...direct]));
  for (const { namespace, key } of cachers) {
    const prefix = cacherPrefix(namespace);
    // '' and undefined both mean "no namespace": one owner.
    const full = prefix === undefined ? undefined : unlessRefused(() => {
      assertKey(key);
      return prefix + key;
    });
    if (full !== undefined) out.push({ owner: { motif: 'cacher', namespace }, item: key, key: full });
  }
  return out;
}

const params = { numRuns: 400 };

describe('Redis key layout across motifs (property)', () => {
  it('names with structural characters are refused or still build keys of their own motif', () => {
    expect(cacherPrefix('{motifs')).toBeDefined();
    expect(namespacePrefix('{motifs') + 'people}:rec:p1').not.toBe(new RepoLayout('motifs', 'people').rec('p1'));
    expect(namespacePrefix('')).not.toBe('');
    expect(repoLayout('motifs', 'a}b')).toBeUndefined();
    expect(repoLayout('{motifs', 'people')).toBeUndefined();
  });

  it('no two distinct (motif, namespace, name, key) tuples build the same Redis key (as UTF-8 bytes)', () => {
    fc.assert(
      fc.property(fc.array(cacherEntry, { maxLength: 12 }), fc.array(repoEntry, { maxLength: 6 }), (cachers, repos) => {
        const seen = new Map<string, string>();
        for (const { owner, item, key } of build(cachers, repos)) {
          const who = `${ownerId(owner)} ${item}`;
          const before = seen.get(bytes(key));
          if (before !== undefined && before !== who) throw new Error(`${JSON.stringify(key)} is built by ${before} and by ${who}`);
          seen.set(bytes(key), who);
        }
      }),
      params,
    );
  });

  it('no cacher listing (literal prefix or glob after it) matches a key owned by another cacher namespace or a repo', () => {
    fc.assert(
      fc.property(cacherEntry, text(6), text(6), fc.array(cacherEntry, { maxLength: 8 }), fc.array(repoEntry, { maxLength: 4 }), (lister, keyPrefix, search, cachers, repos) => {
        const prefix = cacherPrefix(lister.namespace);
        if (prefix === undefined) return;
        const mine = ownerId({ motif: 'cacher', namespace: lister.namespace });
        // What getItemsLike/delItemsLike and getKeys send to SCAN MATCH (and what memory matches).
        const patterns = [compileGlob(`${escapeGlob(prefix + keyPrefix)}*`)];
        // The caller's glob: a pattern every backend refuses (MOTIFS_VALIDATION) lists nothing.
        try {
          patterns.push(compileGlob(escapeGlob(prefix) + (search || '*')));
        } catch (err) {
          if (!isMotifsError(err, 'MOTIFS_VALIDATION')) throw err;
        }
        for (const { owner, key } of build(cachers, repos)) {
          if (ownerId(owner) === mine) continue;
          if (key.startsWith(prefix)) throw new Error(`cacher ${JSON.stringify(lister.namespace)} owns the prefix of ${JSON.stringify(key)} (${ownerId(owner)})`);
          for (const match of patterns) {
            if (match(key)) throw new Error(`a listing of cacher ${JSON.stringify(lister.namespace)} matches ${JSON.stringify(key)} (${ownerId(owner)})`);
          }
        }
      }),
      params,
    );
  });

  it('no repo scan pattern matches a key owned by a cacher or by another repo', () => {
    fc.assert(
      fc.property(repoEntry, fc.array(cacherEntry, { maxLength: 8 }), fc.array(repoEntry, { maxLength: 4 }), (scanner, cachers, repos) => {
        const layout = repoLayout(scanner.namespace, scanner.name);
        if (!layout) return;
        const mine = ownerId({ motif: 'repo', namespace: scanner.namespace, name: scanner.name });
        const patterns = ['idx:', 'zidx:', ''].map((kind) => compileGlob(`${escapeGlob(layout.prefix + kind)}*`));
        for (const { owner, key } of build(cachers, [scanner, ...repos])) {
          if (ownerId(owner) === mine) continue;
          for (const match of patterns) {
            if (match(key)) throw new Error(`a scan of repo ${mine} matches ${JSON.stringify(key)} (${ownerId(owner)})`);
          }
        }
      }),
      params,
    );
  });
});
