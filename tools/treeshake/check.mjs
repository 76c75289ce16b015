// Tree-shaking check: bundles app.mjs (only @motifs/core + @motifs/cacher-memory, from their built
// dist/ as a user would get them) with esbuild, fails if any ioredis or kafkajs code got in or if
// the bundle outgrows its budget, then runs the bundle to prove it works.
// Usage: node tools/treeshake/check.mjs   (build core and cacher-memory first)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
/** Minified bundle budget in bytes. The app is core's errors + the memory cacher + node-cache (+ clone). */
const BUDGET_BYTES = Number(process.env.MOTIFS_TREESHAKE_BUDGET ?? 40 * 1024);
const FORBIDDEN = ['ioredis', 'kafkajs', '@motifs/cacher-redis', '@motifs/repo-redis', '@motifs/listener-kafka'];

// Resolve @motifs/* to the workspace packages (their package.json `exports`, hence dist/), the
// way an installed copy resolves; their own dependencies resolve from each package's node_modules.
const workspace = {
  name: 'motifs-workspace',
  setup(b) {
    b.onResolve({ filter: /^@motifs\/[a-z-]+$/ }, (args) => ({ path: join(root, 'packages', args.path.slice('@motifs/'.length), 'dist', 'index.js') }));
  },
};

const out = mkdtempSync(join(tmpdir(), 'motifs-treeshake-'));
try {
  const outfile = join(out, 'app.mjs');
  const result = await build({
    entryPoints: [join(here, 'app.mjs')],
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
  const leaks = FORBIDDEN.filter((name) => inputs.some((p) => p.includes(`node_modules/${name}/`) || p.includes(name.replace('@motifs/', 'packages/') + '/')) || code.includes(name));
  const bytes = Buffer.byteLength(code);
  const gz = gzipSync(code).length;
  const byPackage = {};
  for (const [path, { bytesInOutput }] of Object.entries(result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].inputs)) {
    const m = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/) ?? path.match(/packages\/([^/]+)\//);
    const name = m ? m[1] : path;
    byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
  }
  console.log(`treeshake: @motifs/core + @motifs/cacher-memory bundle = ${(bytes / 1024).toFixed(1)} KiB minified, ${(gz / 1024).toFixed(1)} KiB gzip (budget ${(BUDGET_BYTES / 1024).toFixed(1)} KiB)`);
  for (const [name, n] of Object.entries(byPackage).sort((a, b) => b[1] - a[1])) console.log(`  ${name.padEnd(28)} ${(n / 1024).toFixed(1)} KiB`);
  const failures = [];
  if (leaks.length) failures.push(`the bundle contains code of: ${leaks.join(', ')}`);
  if (bytes > BUDGET_BYTES) failures.push(`the bundle is ${bytes} bytes, over the ${BUDGET_BYTES}-byte budget`);
  const ran = execFileSync(process.execPath, [outfile], { encoding: 'utf8' }).trim();
  if (ran !== '{"hello":"world"}\nmiss') failures.push(`the bundle ran but printed ${JSON.stringify(ran)}`);
  writeFileSync(join(out, 'report.json'), JSON.stringify({ bytes, gzip: gz, byPackage }, null, 2));
  if (failures.length) {
    for (const f of failures) console.error(`treeshake: FAIL: ${f}`);
    process.exitCode = 1;
  } else {
    console.log('treeshake: ok (no ioredis, no kafkajs, within budget, runs)');
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
