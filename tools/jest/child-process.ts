// Runs a package's TypeScript test script as a separate Node process, the way a user's app runs:
// bundled with esbuild (@motifs/core from its sources, `external` packages from the package's
// node_modules) so no build is needed. Used to check what only a whole process can show: that it
// exits on its own. Shared by the listener packages' tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packagesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages');

/** A running child: the JSON lines it printed, and when (if) it exited. */
export interface Child {
  proc: ChildProcess;
  /** Every stdout line that parsed as JSON, in order. */
  lines: Record<string, unknown>[];
  stderr: string;
  /** Resolves with the exit time (ms since the epoch) and code. */
  exited: Promise<{ at: number; code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line that has `key`. */
  line(key: string, timeoutMs: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit, or `'still running'` after `timeoutMs` (its timer is cleared either way). */
  exitWithin(timeoutMs: number): Promise<{ at: number; code: number | null; signal: NodeJS.Signals | null } | 'still running'>;
  /** SIGKILLs the child if it is still running. */
  kill(): void;
}

/**
 * Bundles `packages/<pkg>/test/children/<name>.ts` and starts it with `env` added to this
 * process's env. Packages named in `external` are left out of the bundle and resolved from the
 * package's own node_modules, as the package resolves them.
 */
export async function runChild(pkg: string, name: string, env: Record<string, string>, external: string[] = []): Promise<Child> {
  const pkgDir = join(packagesDir, pkg);
  const here = join(pkgDir, 'test');
  // Inside the package's node_modules (ignored by git and lint), so externals resolve as the package does.
  const outDir = join(pkgDir, 'node_modules', '.cache', 'motifs-children');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}-${process.pid}-${Date.now()}.mjs`);
  await build({
    entryPoints: [join(here, 'children', `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external,
    alias: { '@motifs/core/kit': join(pkgDir, '..', 'core', 'src', 'kit.ts'), '@motifs/core': join(pkgDir, '..', 'core', 'src', 'index.ts') },
    logLevel: 'error',
  });
  const proc = spawn(process.execPath, [outfile], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    let nl: number;
    while ((nl = stdout.indexOf('\n')) >= 0) {
      const text = stdout.slice(0, nl);
      stdout = stdout.slice(nl + 1);
      try {
        lines.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        // not one of ours
      }
      for (const w of waiters.splice(0)) w();
    }
  });
  proc.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ at: number; code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      rmSync(outfile, { force: true });
      resolve({ at: Date.now(), code, signal });
      for (const w of waiters.splice(0)) w();
    });
  });
  const child: Child = {
    proc,
    lines,
    get stderr() {
      return stderr;
    },
    exited,
    async line(key, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find((l) => key in l);
        if (found) return found;
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`child exited (code ${proc.exitCode}, signal ${proc.signalCode}) before printing "${key}"; printed ${JSON.stringify(lines)}; stderr: ${stderr.slice(-2000)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`child did not print "${key}" within ${timeoutMs}ms; stderr: ${stderr.slice(-2000)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    async exitWithin(timeoutMs) {
      // The timer is cleared when the child exits first: a pending one would keep jest's worker
      // alive after the run ("Jest did not exit one second after the test run has completed").
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        return await Promise.race([exited, new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), timeoutMs)))]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
  return child;
}
