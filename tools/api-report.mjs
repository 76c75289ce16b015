#!/usr/bin/env node
// API reports: one committed text file per public package entry (`packages/<pkg>/api/<entry>.api.md`)
// listing every exported name with its declaration, read from the built .d.ts with the TypeScript
// compiler API. A change to a package's public API then shows up in review as a diff of that file.
//
//   node tools/api-report.mjs check    fails (exit 1) when a report differs from the built .d.ts
//   node tools/api-report.mjs update   rewrites the reports
//   node tools/api-report.mjs count [--src <dir>] [pkg...]
//                                      prints how many runtime and type-only names each entry
//                                      exports; --src reads `<dir>/packages/*/src/*.ts` instead of
//                                      dist (e.g. an extracted `git archive` of an older commit)
// Build the packages first (the nx target `motifs:api` does).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const root = fileURLToPath(new URL('..', import.meta.url));
const [mode = 'check', ...rest] = process.argv.slice(2);
const srcIndex = rest.indexOf('--src');
const srcRoot = srcIndex >= 0 ? rest.splice(srcIndex, 2)[1] : undefined;
const only = new Set(rest);

/** Every public package and its entries: { name, dir, entries: [{ subpath, file }] }. */
function packages(base) {
  const out = [];
  for (const entry of readdirSync(join(base, 'packages')).sort()) {
    const dir = join(base, 'packages', entry);
    const manifest = join(root, 'packages', entry, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    if (pkg.private || (only.size && !only.has(pkg.name))) continue;
    const entries = [];
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      if (subpath === './package.json' || typeof target !== 'object') continue;
      const types = target.types.replace(/^\.\//, '');
      const file = srcRoot ? join(dir, types.replace(/^dist\//, 'src/').replace(/\.d\.ts$/, '.ts')) : join(dir, types);
      entries.push({ subpath, file, report: join(root, 'packages', entry, 'api', `${subpath === '.' ? 'index' : subpath.slice(2)}.api.md`) });
    }
    out.push({ name: pkg.name, dir, entries });
  }
  return out;
}

/** Maps `@motifs/x` (and `@motifs/x/sub`) to the entry files of the tree being read. */
function compilerOptions(all) {
  const paths = {};
  for (const { name, entries } of all) for (const { subpath, file } of entries) paths[subpath === '.' ? name : `${name}/${subpath.slice(2)}`] = [file];
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    baseUrl: root,
    paths,
  };
}

const stripComments = (text) => text.replace(/\/\*\*[\s\S]*?\*\/\s*/g, '').replace(/^\s*\/\/.*$/gm, '').replace(/\n\s*\n/g, '\n');

function kindOf(decl) {
  if (ts.isFunctionDeclaration(decl)) return 'function';
  if (ts.isClassDeclaration(decl)) return 'class';
  if (ts.isInterfaceDeclaration(decl)) return 'interface';
  if (ts.isTypeAliasDeclaration(decl)) return 'type';
  if (ts.isEnumDeclaration(decl)) return 'enum';
  if (ts.isVariableDeclaration(decl)) return 'const';
  if (ts.isModuleDeclaration(decl)) return 'namespace';
  return ts.SyntaxKind[decl.kind];
}

/** Whether `decl` sits in a `declare module '...' { }` block (another package's augmentation). */
function inAugmentation(decl) {
  for (let node = decl.parent; node; node = node.parent) if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) return true;
  return false;
}

/**
 * The exported names of one entry file: [{ name, value, kinds, text }], sorted by name. Declarations
 * merged in by other packages (`declare module '@motifs/core'` in an adapter) belong to those
 * packages' reports, not this one.
 */
function exportsOf(program, file, pkgDir) {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`cannot read ${relative(root, file)}: build the package first`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) return [];
  return checker.getExportsOfModule(moduleSymbol).map((sym) => {
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    const decls = (target.declarations ?? []).filter((d) => !inAugmentation(d) || d.getSourceFile().fileName.startsWith(`${pkgDir}/`));
    const value = (target.flags & ts.SymbolFlags.Value) !== 0;
    const text = decls
      .map((d) => {
        const body = stripComments(d.getText()).replace(/^export\s+(declare\s+)?/, '').replace(/^declare\s+/, '');
        return ts.isVariableDeclaration(d) ? `const ${body};` : body;
      })
      .join('\n');
    return { name: sym.name, value, kinds: [...new Set(decls.map(kindOf))].join('+'), text };
  }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The `declare module '...'` blocks the package's own files contribute (e.g. an adapter's kind options). */
function augmentationsOf(program, pkgDir) {
  const dir = srcRoot ? `${pkgDir}/src/` : `${pkgDir}/dist/`;
  return program.getSourceFiles()
    .filter((sf) => sf.fileName.startsWith(dir))
    .flatMap((sf) => sf.statements.filter((st) => ts.isModuleDeclaration(st) && ts.isStringLiteral(st.name)))
    .map((st) => stripComments(st.getText()).replace(/^declare\s+/, 'declare '))
    .sort();
}

function render(pkgName, subpath, names, augments = []) {
  const entry = subpath === '.' ? pkgName : `${pkgName}/${subpath.slice(2)}`;
  const values = names.filter((n) => n.value).length;
  const lines = [
    `# API report: \`${entry}\``,
    '',
    '<!-- Generated by `node tools/api-report.mjs update` from the built .d.ts; do not edit. -->',
    '',
    `${names.length} exported names: ${values} runtime, ${names.length - values} type-only.`,
    '',
    '| name | kind |',
    '| --- | --- |',
    ...names.map((n) => `| \`${n.name}\` | ${n.kinds} |`),
    '',
    '## Declarations',
    '',
    '```ts',
    ...names.map((n) => n.text),
    '```',
    '',
    ...(augments.length ? ['## Augments', '', '```ts', ...augments, '```', ''] : []),
  ];
  return lines.join('\n');
}

const all = packages(srcRoot ?? root);
const files = all.flatMap((p) => p.entries.map((e) => e.file));
const program = ts.createProgram(files, compilerOptions(all));
let failed = 0;
for (const pkg of all) {
  for (const entry of pkg.entries) {
    const names = exportsOf(program, entry.file, pkg.dir);
    const label = entry.subpath === '.' ? pkg.name : `${pkg.name}/${entry.subpath.slice(2)}`;
    if (mode === 'count') {
      const values = names.filter((n) => n.value).length;
      console.log(`${label.padEnd(28)} ${String(names.length).padStart(4)} names (${values} runtime, ${names.length - values} type-only)`);
      continue;
    }
    const text = render(pkg.name, entry.subpath, names, entry.subpath === '.' ? augmentationsOf(program, pkg.dir) : []);
    const current = existsSync(entry.report) ? readFileSync(entry.report, 'utf8') : undefined;
    if (mode === 'update') {
      if (current !== text) {
        mkdirSync(dirname(entry.report), { recursive: true });
        writeFileSync(entry.report, text);
        console.log(`api: wrote ${relative(root, entry.report)} (${names.length} names)`);
      }
    } else if (current !== text) {
      failed += 1;
      const before = new Set((current ?? '').match(/^\| `([^`]+)`/gm)?.map((l) => l.slice(3, -1)) ?? []);
      const after = new Set(names.map((n) => n.name));
      const added = [...after].filter((n) => !before.has(n));
      const removed = [...before].filter((n) => !after.has(n));
      console.error(`api: ${relative(root, entry.report)} is out of date${current === undefined ? ' (missing)' : ''}`
        + `${added.length ? `\n  added: ${added.join(', ')}` : ''}${removed.length ? `\n  removed: ${removed.join(', ')}` : ''}`
        + `${!added.length && !removed.length && current !== undefined ? '\n  (a declaration changed)' : ''}`);
    }
  }
}
if (mode === 'check') {
  if (failed) {
    console.error(`\napi: ${failed} report(s) differ from the built packages. If the change is intended, run\n`
      + '  node tools/api-report.mjs update\nand commit the reports with a changeset that bumps each package whose API changed.');
    process.exit(1);
  }
  console.log('api: every report matches the built packages');
}
