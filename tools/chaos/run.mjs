#!/usr/bin/env node
// Chaos suite runner: `node tools/chaos/run.mjs [experiment...] [--json file] [--tap file] [--list]`.
// Each experiment runs in a child process of its own (own process group) with a hard time bound;
// a child still running at the bound, or still alive 5 s after it reported (a leaked socket or
// timer), is killed and counted as failed. Servers the experiment started through tools/services
// are killed afterwards whatever happened (they are recorded under the child's CHAOS_STATE_DIR).
// Ends with the plain line `chaos: N passed, N failed` and exits 1 if any experiment failed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killStateDir, sleep } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** name -> hard time bound (ms) of the whole child process, servers' start-up included. */
export const EXPERIMENTS = {
  'shared-db': 30_000,
  'redis-kill': 60_000,
  'redis-sigstop': 45_000,
  'hung-close': 75_000,
  'kafka-kill': 180_000,
};
const EXIT_GRACE_MS = 5_000;

const args = process.argv.slice(2);
const option = (flag) => {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const jsonFile = option('--json') ?? join(root, '.motifs', 'chaos', 'results.json');
const tapFile = option('--tap');
if (args.includes('--list')) {
  for (const [name, bound] of Object.entries(EXPERIMENTS)) console.log(`${name}  (bound ${bound / 1000} s)`);
  process.exit(0);
}
const selected = args.length ? args : Object.keys(EXPERIMENTS);
const unknown = selected.filter((n) => !EXPERIMENTS[n]);
if (unknown.length) {
  console.error(`unknown experiment(s): ${unknown.join(', ')}; known: ${Object.keys(EXPERIMENTS).join(', ')}`);
  process.exit(2);
}

let current = null; // { child, stateDir }
const killGroup = (child, signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
};
const interrupt = (signal) => {
  console.log(`\nchaos: ${signal}, stopping`);
  if (current) {
    killGroup(current.child, 'SIGKILL');
    killStateDir(current.stateDir);
  }
  process.exit(130);
};
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);

const readResult = (file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
};

async function runOne(name) {
  const boundMs = Number(process.env.CHAOS_BOUND_MS) || EXPERIMENTS[name]; // the override is for testing the runner
  const stateDir = mkdtempSync(join(tmpdir(), `motifs-chaos-${name}-`));
  const resultFile = join(stateDir, 'result.json');
  const started = Date.now();
  console.log(`\n▶ chaos ${name} (bound ${boundMs / 1000} s)`);
  const child = spawn(process.execPath, [join(here, 'experiments', `${name}.mjs`)], {
    cwd: root,
    stdio: 'inherit',
    detached: true, // own process group: a time-out kills grandchildren too
    env: { ...process.env, CHAOS_STATE_DIR: stateDir, CHAOS_RESULT: resultFile },
  });
  current = { child, stateDir };
  let exit = null;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exit = { code, signal }))));
  const problems = [];
  let reportedAt = null;
  while (!exit) {
    await Promise.race([exited, sleep(100)]);
    if (exit) break;
    const r = readResult(resultFile);
    if (r?.finished && reportedAt === null) reportedAt = Date.now();
    if (reportedAt !== null && Date.now() - reportedAt > EXIT_GRACE_MS) {
      problems.push(`the process did not exit within ${EXIT_GRACE_MS / 1000} s after reporting (leaked handle or timer)`);
      break;
    }
    if (Date.now() - started > boundMs) {
      problems.push(`killed at its time bound of ${boundMs / 1000} s`);
      break;
    }
  }
  if (!exit) {
    killGroup(child, 'SIGTERM');
    await Promise.race([exited, sleep(3000)]);
    if (!exit) killGroup(child, 'SIGKILL');
    await exited;
  } else {
    // The child is gone; anything left in its group (a grandchild) is a leak too, and must not outlive us.
    killGroup(child, 'SIGKILL');
  }
  const r = readResult(resultFile) ?? { name, figures: {}, checks: [], notes: [], finished: false, error: 'no result written' };
  const leftovers = killStateDir(stateDir);
  if (leftovers.length) console.log(`  (killed servers left by ${name}: ${leftovers.join(', ')})`);
  current = null;
  rmSync(stateDir, { recursive: true, force: true });
  if (r.error) problems.push(`harness error: ${r.error.split('\n')[0]}`);
  if (!r.finished && !problems.length) problems.push(`exited (${exit.code ?? exit.signal}) before reporting`);
  const failedChecks = r.checks.filter((c) => !c.ok);
  const skipped = Boolean(r.skipped) && problems.length === 0 && failedChecks.length === 0;
  const passed = !skipped && problems.length === 0 && failedChecks.length === 0 && r.checks.length > 0;
  if (!passed && !skipped && !problems.length && !failedChecks.length) problems.push('no check ran');
  return { ...r, skipReason: r.skipped, wallMs: Date.now() - started, passed, skipped, problems, exit };
}

function printFigures(r) {
  console.log(`\n── ${r.name}: ${r.passed ? 'PASSED' : r.skipped ? `SKIPPED (${r.skipReason})` : 'FAILED'} in ${(r.wallMs / 1000).toFixed(1)} s`);
  const rows = Object.entries(r.figures);
  const width = Math.max(10, ...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`   ${k.padEnd(width)}  ${typeof v === 'object' && v !== null ? JSON.stringify(v) : v}`);
  for (const c of r.checks) console.log(`   ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${!c.ok && c.detail ? ` (${c.detail})` : ''}`);
  for (const p of r.problems) console.log(`   FAIL ${p}`);
  for (const n of r.notes) console.log(`   note: ${n}`);
}

const results = [];
for (const name of selected) results.push(await runOne(name));

console.log('\n════ chaos figures');
for (const r of results) printFigures(r);
const passed = results.filter((r) => r.passed).length;
const skipped = results.filter((r) => r.skipped).length;
const failed = results.length - passed - skipped;

const plain = results.map(({ exit: _exit, ...r }) => r);
mkdirSync(dirname(jsonFile), { recursive: true });
writeFileSync(jsonFile, `${JSON.stringify({ at: new Date().toISOString(), node: process.version, passed, failed, skipped, experiments: plain }, null, 2)}\n`);
if (tapFile) {
  // node:test-style TAP counts, which tools/run.mjs summarize() adds to the closing line of `npm test`.
  const lines = ['TAP version 13', ...results.map((r, i) => `${r.passed || r.skipped ? 'ok' : 'not ok'} ${i + 1} - chaos ${r.name}${r.skipped ? ' # SKIP' : ''}`), `1..${results.length}`];
  lines.push(`# tests ${results.length}`, `# pass ${passed}`, `# fail ${failed}`, '# cancelled 0', `# skipped ${skipped}`, '# todo 0');
  mkdirSync(dirname(tapFile), { recursive: true });
  writeFileSync(tapFile, `${lines.join('\n')}\n`);
}
console.log(`\nresults: ${jsonFile}${existsSync(jsonFile) ? '' : ' (not written)'}`);
for (const r of results.filter((r) => r.skipped)) console.log(`!!! chaos: ${r.name} was SKIPPED: ${r.skipReason} !!!`);
console.log(`chaos: ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
