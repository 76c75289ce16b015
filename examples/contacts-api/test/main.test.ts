// The real entry point (`npm start` runs dist/main.js): bundled from the sources with esbuild so no
// prior build is needed, started as a child process on port 0, then stopped with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const workDir = mkdtempSync(join(tmpdir(), 'contacts-api-main-'));
const entry = join(workDir, 'main.mjs');

beforeAll(async () => {
  const umbrella = JSON.parse(readFileSync(join(root, 'packages', 'motifs', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const sources: Record<string, string> = { motifs: join(root, 'packages', 'motifs', 'src', 'index.ts') };
  for (const name of Object.keys(umbrella.dependencies)) sources[name] = join(root, 'packages', name.replace('@motifs/', ''), 'src', 'index.ts');
  await build({
    entryPoints: [join(here, '..', 'src', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: entry,
    logLevel: 'error',
    // The workspace packages from their sources, like the other suites; third-party code is bundled as is.
    plugins: [{
      name: 'workspace-sources',
      setup(b) {
        b.onResolve({ filter: /^(motifs|@motifs\/[a-z-]+)$/ }, (args) => (sources[args.path] ? { path: sources[args.path] } : undefined));
      },
    }],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
}, 60_000);

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

function start(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function until(predicate: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('contacts-api main (npm start)', () => {
  it('prints its URL, serves on the memory backends and exits 0 after a graceful SIGTERM', async () => {
    const app = start({ PORT: '0', MOTIFS_BACKEND: 'memory' });
    try {
      await until(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(app.output()), 'the URL');
      const url = app.output().match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)![1]!;
      const res = await fetch(`${url}/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ firstName: 'Ada', lastName: 'Lovelace', dob: '1815-12-10' }) });
      expect(res.status).toBe(201);
      await until(() => app.output().includes('"message":"new contact"'), 'the announcement to come back on mars');
      app.child.kill('SIGTERM');
      await expect(app.exited).resolves.toBe(0);
      expect(app.output()).toContain('closed every motif, bye');
    } finally {
      app.child.kill('SIGKILL');
    }
  }, 60_000);

  it('refuses to start on a bad configuration, naming the variable, with exit code 2', async () => {
    const app = start({ PORT: '0', MOTIFS_BACKEND: 'mongo' });
    await expect(app.exited).resolves.toBe(2);
    expect(app.output()).toContain('MOTIFS_BACKEND must be memory or redis');
    expect(app.output()).not.toContain('listening on');
  }, 60_000);
});
