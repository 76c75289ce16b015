#!/usr/bin/env node
// node tools/services/cli.mjs up|down|status [--only redis|kafka|redis-cluster|redis-sentinel|kafka-cluster]
// Node built-ins only: CI runs this before `pnpm install`.
import { clusterDown, clusterStatus, clusterUp, down, isCI, ON_DEMAND_SERVICES, resultFile, SERVICES, status, unavailable, up } from './index.mjs';
import { redactUrl } from './resp.mjs';

const USAGE = 'usage: node tools/services/cli.mjs up|down|status [--only redis|kafka|redis-cluster|redis-sentinel|kafka-cluster]';

function parseArgs(argv) {
  const [command, ...rest] = argv;
  let only = null;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--only') only = rest[++i];
    else if (arg.startsWith('--only=')) only = arg.slice('--only='.length);
    else throw new Error(`unexpected argument "${arg}"\n${USAGE}`);
  }
  if (!['up', 'down', 'status'].includes(command)) throw new Error(USAGE);
  const known = [...SERVICES, ...ON_DEMAND_SERVICES];
  if (only !== null && !known.includes(only)) throw new Error(`--only expects one of ${known.join(', ')}\n${USAGE}`);
  return { command, only };
}

function printStatus(result) {
  for (const [name, s] of Object.entries(result)) {
    const where = (s.url ? redactUrl(s.url) : s.brokers ?? (s.sentinels ? `${s.sentinels} (${s.name})` : s.nodes)) ?? '';
    const who = s.available ? (s.startedByUs ? `started by motifs${s.version ? `, Kafka ${s.version}` : ''}` : 'not started by motifs') : s.reason;
    console.log(`  ${name.padEnd(6)} ${(s.available ? 'up' : 'down').padEnd(5)} ${where.padEnd(24)}  ${who}`);
  }
}

/** The 3-node cluster for failover tests: its own state (.motifs/kafka-cluster), not in services.json. */
async function cluster(command) {
  const log = (line) => console.log(`motifs services: ${line}`);
  const fn = { up: clusterUp, down: clusterDown, status: clusterStatus }[command];
  const s = await fn({ log });
  const nodes = (s.nodes ?? []).map((n) => `${n.id}:${n.pid ? `pid ${n.pid}` : 'down'}`).join(' ');
  const state = command === 'down' ? 'down' : s.available ? 'up' : 'down';
  console.log(`  kafka-cluster ${state.padEnd(5)} ${s.brokers ?? ''}  ${s.available ? `${s.startedByUs ? 'started by motifs' : 'not started by motifs'}, nodes ${nodes}` : (s.reason ?? '')}`);
  if (command === 'up' && !s.available) {
    console.error(`motifs services: kafka-cluster could not be started: ${s.reason}`);
    process.exitCode = 1;
  }
}

async function main() {
  const { command, only } = parseArgs(process.argv.slice(2));
  if (only === 'kafka-cluster') return cluster(command);
  if (command === 'status') return printStatus(await status({ only }));
  if (command === 'down') return printStatus(await down({ only }));

  const result = await up({ only });
  printStatus(result);
  console.log(`motifs services: wrote ${resultFile()}`);
  const missing = unavailable(result, only);
  if (!missing.length) return;
  if (isCI()) {
    for (const { name, reason } of missing) console.error(`motifs services: ${name} could not be started in CI: ${reason}`);
    process.exitCode = 1;
    return;
  }
  const names = missing.map((m) => m.name).join(' and ');
  const why = missing.length === 1 ? missing[0].reason : missing.map((m) => `${m.name}: ${m.reason}`).join('; ');
  console.log(`!!! motifs: integration suites for ${names} will be SKIPPED: ${why} !!!`);
}

main().catch((err) => {
  console.error(`motifs services: ${err.message}`);
  process.exitCode = 1;
});
