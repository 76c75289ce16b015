// A scenario stopped half-way (Ctrl-C, a kill, or its output piped into `head`) must not leave its
// keys in the Redis it shares with everything on the machine: they slow every SCAN-based test that
// runs there afterwards. On SIGINT, SIGTERM, SIGHUP or EPIPE on stdout, the keys of every namespace
// this process handed out are unlinked on the one-node Redis (MOTIFS_REDIS_URL) before it exits.
// (A private Redis Cluster or Kafka started by tools/services is left as it is: nothing else shares it.)
//
// The deleting is done by a child process (drop-namespaces.mjs) that this one waits for with
// spawnSync: this process's event loop stands still meanwhile, so the scenario cannot send another
// write behind the deleting passes, and it exits as soon as the child is done. (Deleting from this
// process raced the scenario's own writes: a writer of a batch every 5 ms left one batch behind
// after the last of 4 passes, in 2 of 3 interrupt tests of one CI run.)
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { namespacesHandedOut } from './namespace.mjs';
import { unlinkMatching } from './redis.mjs';

const say = (line) => {
  try {
    process.stderr.write(`${line}\n`);
  } catch {
    // stderr may be gone too: the keys are dropped all the same.
  }
};

/**
 * Unlinks every key that holds one of `namespaces` on `url`: a namespace is random and occurs only
 * in the keys of the run that made it (`{ns:...}`, `ns:...`). Writes the scenario sent just before
 * it stopped may land during a pass, so it scans again until a pass finds nothing (at most
 * `passes` times).
 * @returns the number of keys removed
 */
export async function dropNamespaces(url, namespaces, passes = 4) {
  if (namespaces.length === 0) return 0;
  const raw = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000, enableOfflineQueue: false });
  let removed = 0;
  try {
    await raw.connect();
    for (let pass = 0; pass < passes; pass++) {
      let found = 0;
      for (const ns of namespaces) found += await unlinkMatching(raw, `*${ns}*`);
      removed += found;
      if (found === 0) break;
    }
  } finally {
    raw.disconnect();
  }
  return removed;
}

/** The line that reports what {@link dropNamespaces} removed. */
export const removedLine = (removed, namespaces) => `bench: removed ${removed} keys under ${namespaces.join(', ') || '(none)'}`;

/** Exit codes of a process stopped by `reason`, as a shell reports them (128 + the signal). */
export const interruptedExitCode = (reason) => 128 + (reason === 'EPIPE' ? constants.signals.SIGPIPE : constants.signals[reason]);

const dropper = fileURLToPath(new URL('./drop-namespaces.mjs', import.meta.url));

/** Installs the handlers (once per process). */
export function dropNamespacesOnInterrupt({ url = process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379' } = {}) {
  let stopping = false;
  const stop = (reason) => {
    if (stopping) return;
    stopping = true;
    const namespaces = namespacesHandedOut();
    say(`bench: ${reason}: deleting the keys of ${namespaces.length} bench namespace(s) before exiting`);
    if (namespaces.length > 0) {
      const out = spawnSync(process.execPath, [dropper, url, ...namespaces], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
      const said = `${out.stdout ?? ''}${out.stderr ?? ''}`.trim();
      if (out.status === 0) say(said);
      else say(`bench: could not delete the keys under ${namespaces.join(', ')}: ${said || out.error?.message || `exit ${out.status ?? out.signal}`}`);
    } else {
      say(removedLine(0, namespaces));
    }
    process.exit(interruptedExitCode(reason));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(signal));
  process.stdout.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    stop('EPIPE');
  });
}
