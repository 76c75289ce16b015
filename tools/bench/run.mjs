// Runs benchmark scenarios: `node tools/bench/run.mjs [filter] [--check] [--node24]`.
// Each scenarios/*.mjs default-exports `async (h) => results`, where h is the harness; results
// (comparisons with their intervals, targets, curves) are written to results/<scenario>.md and
// .json for the READMEs, the chart (chart.mjs) and the scaling plots (plot.mjs).
// --check exits 1 when a target's 95% interval lower bound misses it.
// --node24 runs the same scenarios on the Node 24 that `npm test` installs into .motifs/node-lts
// (some peers need it); their results are written as results/<scenario>.node24.{md,json}.
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as harness from './harness.mjs';
import { dropNamespacesOnInterrupt } from './lib/interrupt.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const usage = 'usage: node tools/bench/run.mjs [filter] [--check] [--node24]\n'
  + '  filter    run only the scenarios whose file name contains it (default: every scenario)\n'
  + '  --check   exit 1 when a target\'s 95% interval lower bound misses it\n'
  + '  --node24  run on the Node 24 that npm test installs into .motifs/node-lts';
// Anything else is refused before a scenario starts: a mistyped flag must not run (and write) them all.
if (args.includes('--help') || args.includes('-h')) {
  console.log(usage);
  process.exit(0);
}
const unknown = args.filter((a) => a.startsWith('-') && a !== '--check' && a !== '--node24');
const filters = args.filter((a) => !a.startsWith('-'));
if (unknown.length || filters.length > 1) {
  console.error(`${unknown.length ? `unknown option ${unknown.join(' ')}` : `one filter at most, not ${filters.join(' ')}`}\n${usage}`);
  process.exit(2);
}

if (args.includes('--node24')) {
  const node24 = join(here, '..', '..', '.motifs', 'node-lts', 'node_modules', '.bin', 'node');
  if (!existsSync(node24)) {
    console.error(`no Node 24 at ${node24}: run npm test once (it installs it), or npm install --prefix .motifs/node-lts node@24`);
    process.exit(2);
  }
  const rest = args.filter((a) => a !== '--node24');
  const child = spawnSync(node24, [fileURLToPath(import.meta.url), ...rest], { stdio: 'inherit', env: { ...process.env, BENCH_RESULTS_SUFFIX: '.node24' } });
  process.exit(child.status ?? 1);
}

const check = args.includes('--check');
const filter = filters[0];
const suffix = process.env.BENCH_RESULTS_SUFFIX ?? '';
// BENCH_SCENARIO: the one scenario a child process runs (set below).
const only = process.env.BENCH_SCENARIO;
const files = readdirSync(join(here, 'scenarios'))
  .filter((f) => f.endsWith('.mjs') && (only ? f === `${only}.mjs` : !filter || f.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no scenario matches ${only ?? filter ?? '(any)'}`);
  process.exit(2);
}

/** One line of the closing summary for a target of scenario `name`. */
const targetLine = (name, t) => `${name}: ${t.subject} ≥ ${t.minRatio}x ${t.against} (${t.title}): ${harness.formatRatio(t)}`;
function printSummary(met, missed) {
  console.log(`\ntargets met (${met.length}):${met.map((m) => `\n  ✔ ${m}`).join('')}`);
  if (missed.length) console.log(`\nmissed targets (${missed.length}):${missed.map((m) => `\n  ✖ ${m}`).join('')}`);
}

// Several scenarios: each runs in a fresh process of its own, one after the other, as it would alone:
// no scenario measures in a heap, JIT state or set of timers an earlier one left behind.
if (files.length > 1) {
  const met = [];
  const missed = [];
  let failed = false;
  // Ctrl-C reaches every process of the group: the running scenario deletes its keys and exits,
  // then this loop stops. A SIGTERM or SIGHUP sent to this process alone is passed on to it.
  let child;
  let interrupted;
  process.on('SIGINT', () => { interrupted = 'SIGINT'; });
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => { interrupted = signal; child?.kill(signal); });
  for (const file of files) {
    if (interrupted) break;
    const name = file.replace(/\.mjs$/, '');
    child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { stdio: 'inherit', env: { ...process.env, BENCH_SCENARIO: name } });
    const [status, signal] = await new Promise((resolve) => child.once('exit', (code, sig) => resolve([code, sig])));
    if (status !== 0) {
      failed = true;
      missed.push(`${name}: the scenario failed (exit ${status ?? signal})`);
      // 128 + n: the scenario was stopped by a signal or a closed stdout; so is the run.
      if (signal || status > 128) interrupted ??= `exit ${status ?? signal}`;
      continue;
    }
    const { targets = [] } = JSON.parse(readFileSync(join(here, 'results', `${name}${suffix}.json`), 'utf8'));
    for (const t of targets) (t.ok ? met : missed).push(targetLine(name, t));
  }
  if (interrupted) {
    console.error(`bench: interrupted (${interrupted}); the scenarios after it did not run`);
    process.exit(130);
  }
  printSummary(met, missed);
  process.exit(failed || (check && missed.length) ? 1 : 0);
}

// One scenario, in this process: stopped half-way, it still deletes the keys it wrote.
dropNamespacesOnInterrupt();
const interval = (t) => harness.formatRatio(t);
mkdirSync(join(here, 'results'), { recursive: true });
const missed = [];
const met = [];
for (const file of files) {
  const name = file.replace(/\.mjs$/, '');
  console.log(`\n=== ${name} (node ${process.version}) ===`);
  const started = performance.now();
  const { default: scenario } = await import(pathToFileURL(join(here, 'scenarios', file)).href);
  const out = (await scenario(harness)) ?? {};
  const comparisons = out.comparisons ?? [];
  const targets = out.targets ?? [];
  const curves = out.curves ?? [];
  const extra = out.markdown ?? '';
  for (const t of targets) (t.ok ? met : missed).push(targetLine(name, t));
  const md = [
    `<!-- generated by: npm run bench -- ${name}${suffix ? ' --node24' : ''} (node ${process.version}, ${new Date().toISOString().slice(0, 10)}) -->`,
    ...comparisons.map(harness.toMarkdown),
    extra,
    targets.length
      ? `Targets, met only when the lower bound of the 95% interval clears them:\n\n${targets.map((t) => `- ${t.ok ? '✔' : '✖'} ${t.subject} ≥ ${t.minRatio}x ${t.against} (${t.title}): **${interval(t)}**`).join('\n')}`
      : '',
    curves.length ? curves.map((c) => `Plot: [docs/bench-${c.id}.svg](../../../docs/bench-${c.id}.svg) (${c.title})`).join('\n') : '',
  ].filter(Boolean).join('\n\n');
  writeFileSync(join(here, 'results', `${name}${suffix}.md`), `${md}\n`);
  const json = { node: process.version, date: new Date().toISOString(), seconds: Math.round((performance.now() - started) / 1000), comparisons, targets, ...(curves.length && { curves }), ...(out.data && { data: out.data }) };
  writeFileSync(join(here, 'results', `${name}${suffix}.json`), `${JSON.stringify(json, null, 2)}\n`);
}
printSummary(met, missed);
if (missed.length && check) process.exit(1);
