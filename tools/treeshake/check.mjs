// Tree-shaking check: bundles app.mjs (only @motifs/core + @motifs/cacher-memory, from their built
// dist/ as a user would get them) with esbuild, fails if any ioredis or kafkajs code got in or if
// the bundle outgrows its budget, then runs the bundle to prove it works. A control app that
// imports @motifs/cacher-redis must be flagged first, so a broken detector cannot pass silently.
// Usage: node tools/treeshake/check.mjs   (build core and cacher-memory first)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
/**
 * Minified bundle budget in bytes. The app is core's errors + the memory cacher (its base class with
 * single-flight getOrSet, abort, tracing, logging, the batch calls, and since issue 12 ifAbsent,
 * getEntry, per-result cache decisions and watch) + node-cache (+ clone): about 43 KiB. Request/reply,
 * the relay and every listener stay out (checked by the forbidden list and the per-file breakdown).
 */
const BUDGET_BYTES = Number(process.env.MOTIFS_TREESHAKE_BUDGET ?? 45 * 1024);
const FORBIDDEN = ['ioredis', 'kafkajs', '@motifs/cacher-redis', '@motifs/repo-redis', '@motifs/listener-kafka', '@motifs/listener-redis'];

// Resolve @motifs/* to each workspace package's built entry (dist/index.js, what its `exports`
// map points at), as an installed copy would; their own dependencies resolve from there.
const workspace = {
  name: 'motifs-workspace',
  setup(b) {
    b.onResolve({ filter: /^@motifs\/[a-z-]+$/ }, (args) => ({ path: join(root, 'packages', args.path.slice('@motifs/'.length), 'dist', 'index.js') }));
  },
};

/**
 * Bundles `entry` and returns what went in: forbidden packages found, sizes, per-package bytes,
 * and what running the bundle printed.
 */
async function inspect(entry, dir) {
  const outfile = join(dir, 'bundle.mjs');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    metafile: true,
    logLevel: 'warning',
    plugins: [workspace],
    // node-cache is CommonJS and requires node built-ins; give the ESM bundle a require().
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const code = readFileSync(outfile, 'utf8');
  const inputs = Object.keys(result.metafile.inputs);
  const leaks = FORBIDDEN.filter((name) =>
    inputs.some((p) => p.includes(`node_modules/${name}/`) || p.includes(`${name.replace('@motifs/', 'packages/')}/`))
    || (!name.startsWith('@motifs/') && code.includes(name)));
  const byPackage = {};
  for (const [path, { bytesInOutput }] of Object.entries(Object.values(result.metafile.outputs)[0].inputs)) {
    const m = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/) ?? path.match(/packages\/([^/]+)\//);
    const name = m ? m[1] : path;
    byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
  }
  return { outfile, leaks, bytes: Buffer.byteLength(code), gzip: gzipSync(code).length, byPackage };
}

const out = mkdtempSync(join(tmpdir(), 'motifs-treeshake-'));
const failures = [];
try {
  // Control: an app that does use the Redis cacher must be caught, or the check proves nothing.
  const control = join(out, 'control.mjs');
  writeFileSync(control, "import { createRedisCacher } from '@motifs/cacher-redis';\nconsole.log(typeof createRedisCacher);\n");
  mkdirSync(join(out, 'control'));
  const caught = await inspect(control, join(out, 'control'));
  if (!caught.leaks.includes('ioredis')) failures.push('the control app importing @motifs/cacher-redis was not flagged: the leak detection is broken');

  const app = await inspect(join(here, 'app.mjs'), out);
  console.log(`treeshake: @motifs/core + @motifs/cacher-memory bundle = ${(app.bytes / 1024).toFixed(1)} KiB minified, ${(app.gzip / 1024).toFixed(1)} KiB gzip (budget ${(BUDGET_BYTES / 1024).toFixed(1)} KiB)`);
  for (const [name, n] of Object.entries(app.byPackage).sort((a, b) => b[1] - a[1])) console.log(`  ${name.padEnd(28)} ${(n / 1024).toFixed(1)} KiB`);
  if (app.leaks.length) failures.push(`the bundle contains code of: ${app.leaks.join(', ')}`);
  if (app.bytes > BUDGET_BYTES) failures.push(`the bundle is ${app.bytes} bytes, over the ${BUDGET_BYTES}-byte budget`);
  const ran = execFileSync(process.execPath, [app.outfile], { encoding: 'utf8' }).trim();
  if (ran !== '{"hello":"world"}\nmiss') failures.push(`the bundle ran but printed ${JSON.stringify(ran)}`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
if (failures.length) {
  for (const f of failures) console.error(`treeshake: FAIL: ${f}`);
  process.exitCode = 1;
} else {
  console.log('treeshake: ok (no ioredis, no kafkajs, within budget, runs; the control app with ioredis was caught)');
}
