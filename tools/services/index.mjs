// Programmatic API for the integration-test services (used by cli.mjs and the root test runner).
// Every function resolves to the same shape that `up` writes to .motifs/services.json.
import { join } from 'node:path';
import { kafkaDown, kafkaStatus, kafkaUp } from './kafka.mjs';
import { redisDown, redisStatus, redisUp } from './redis.mjs';
import { repoRoot, seconds, withLock, writeJson } from './util.mjs';

export const SERVICES = ['redis', 'kafka'];
const impl = {
  redis: { up: redisUp, down: redisDown, status: redisStatus },
  kafka: { up: kafkaUp, down: kafkaDown, status: kafkaStatus },
};

const defaultLog = (line) => console.log(`motifs services: ${line}`);

function options(opts = {}) {
  const only = opts.only ?? null;
  if (only && !SERVICES.includes(only)) throw new Error(`unknown service "${only}" (expected one of ${SERVICES.join(', ')})`);
  return { only, root: opts.root ?? repoRoot, env: opts.env ?? process.env, log: opts.log ?? defaultLog };
}

export const resultFile = (root = repoRoot) => join(root, '.motifs', 'services.json');
const lockDir = (root) => join(root, '.motifs', 'services.lock');

/** Starts (or reuses) the selected services; the others are only probed so the file stays complete. */
export async function up(opts) {
  const o = options(opts);
  return withLock(lockDir(o.root), async () => {
    const started = Date.now();
    const result = {};
    for (const name of SERVICES) {
      result[name] = !o.only || o.only === name ? await impl[name].up(o) : await impl[name].status(o);
    }
    writeJson(resultFile(o.root), result);
    o.log(`up finished in ${seconds(Date.now() - started)}`);
    return result;
  });
}

/** Stops only what motifs itself started; anything else (system Redis, docker compose) is left alone. */
export async function down(opts) {
  const o = options(opts);
  return withLock(lockDir(o.root), async () => {
    for (const name of SERVICES) if (!o.only || o.only === name) await impl[name].down(o);
    const result = await status(o);
    writeJson(resultFile(o.root), result);
    return result;
  });
}

export async function status(opts) {
  const o = options(opts);
  const result = {};
  for (const name of SERVICES) result[name] = await impl[name].status(o);
  return result;
}

export const isCI = (env = process.env) => env.CI === 'true' || env.CI === '1';

/** The services (among the selected ones) that integration suites cannot use, with why. */
export function unavailable(result, only = null) {
  return SERVICES.filter((name) => (!only || only === name) && !result[name]?.available).map((name) => ({
    name,
    reason: result[name]?.reason ?? 'unknown',
  }));
}
