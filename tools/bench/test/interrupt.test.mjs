// run.mjs refuses what it does not know before it runs a scenario, and a scenario stopped half-way
// (a signal, or its stdout closed by `| head`) deletes its keys from the shared Redis before it exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { scanPages, unlinkMatching } from '../lib/redis.mjs';

const url = process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379';
const runMjs = fileURLToPath(new URL('../run.mjs', import.meta.url));
const writer = fileURLToPath(new URL('../fixtures/interrupt-writer.mjs', import.meta.url));

test('run.mjs refuses an unknown option or two filters, and runs nothing', () => {
  for (const args of [['--bogus'], ['cacher', '--chek'], ['cacher', 'repo']]) {
    const started = Date.now();
    const out = spawnSync(process.execPath, [runMjs, ...args], { encoding: 'utf8' });
    assert.equal(out.status, 2, `${args.join(' ')}: ${out.stderr}`);
    assert.match(out.stderr, /usage: node tools\/bench\/run\.mjs/);
    assert.doesNotMatch(out.stdout, /===/, 'no scenario started');
    assert.ok(Date.now() - started < 10_000);
  }
  const help = spawnSync(process.execPath, [runMjs, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--check/);
});

/** Starts the writer, waits until it wrote `batches` batches; returns it, its namespace and its output lines. */
async function startWriter(batches) {
  const child = spawn(process.execPath, [writer], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MOTIFS_REDIS_URL: url } });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr: () => stderr })));
  const lines = createInterface({ input: child.stdout });
  let namespace;
  for await (const line of lines) {
    const [ns, n] = line.split(' ');
    namespace = ns;
    if (Number(n) >= batches) break;
  }
  return { child, namespace, exited, lines };
}

const keysUnder = async (raw, namespace) => {
  let count = 0;
  for await (const keys of scanPages(raw, `*${namespace}*`, 5000)) count += keys.length;
  return count;
};

for (const [how, stop, expected] of [
  ['SIGTERM', (w) => w.child.kill('SIGTERM'), 143],
  ['SIGINT', (w) => w.child.kill('SIGINT'), 130],
  // `node run.mjs | head`: head exits, the next write to stdout fails with EPIPE.
  ['a closed stdout (EPIPE)', (w) => { w.lines.close(); w.child.stdout.destroy(); }, 141],
]) {
  test(`a scenario stopped by ${how} deletes its keys and exits ${expected}`, async () => {
    const raw = new Redis(url);
    const w = await startWriter(4);
    try {
      assert.ok(await keysUnder(raw, w.namespace) >= 200, 'the writer wrote keys');
      stop(w);
      const { code, signal, stderr } = await w.exited;
      assert.equal(signal, null, stderr());
      assert.equal(code, expected, stderr());
      assert.match(stderr(), /removed \d+ keys under motifs-bench-interrupt-test-/);
      assert.equal(await keysUnder(raw, w.namespace), 0);
    } finally {
      w.child.kill('SIGKILL');
      if (w.namespace) await unlinkMatching(raw, `*${w.namespace}*`);
      await raw.quit();
    }
  });
}
