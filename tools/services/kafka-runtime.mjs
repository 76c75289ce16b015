// Everything the broker needs before it can start: a JDK, the Kafka jars (via Maven, cached in
// ~/.m2 and as a classpath file in .motifs/kafka) and the compiled readiness check.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { repoRoot, run, seconds, sha256, which } from './util.mjs';

const toolsDir = join(repoRoot, 'tools', 'kafka');
export const pomFile = join(toolsDir, 'pom.xml');
const checkSource = join(toolsDir, 'MotifsKafkaCheck.java');

export const kafkaVersion = () => /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(pomFile, 'utf8'))[1];

/** Maven output is long; the first [ERROR] line is the one that says what went wrong. */
function firstError(output) {
  // eslint-disable-next-line no-control-regex -- Maven 3.8 prints ANSI resets even with -B
  const lines = output.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  const line = lines.find((l) => l.includes('[ERROR]')) ?? lines.find((l) => l.trim()) ?? 'no output';
  return line.replace('[ERROR]', '').trim().slice(0, 400);
}

/** Drops cache entries for older pom/check versions so .motifs does not grow on every bump. */
function pruneSiblings(dir, prefix, keep) {
  for (const name of readdirSync(dir)) {
    if (name.startsWith(prefix) && join(dir, name) !== keep) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

export function findJdk(env = process.env) {
  const home = env.JAVA_HOME && existsSync(join(env.JAVA_HOME, 'bin', 'java')) ? join(env.JAVA_HOME, 'bin') : null;
  const java = home ? join(home, 'java') : which('java', env);
  if (!java) return { reason: 'java not found on PATH' };
  const out = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
  if (major < 17) return { reason: `Kafka ${kafkaVersion()} brokers need Java 17+, but ${java} is Java ${major || '?'}` };
  // javac usually sits next to the real java binary even when only `java` is on PATH (alternatives).
  const sibling = join(dirname(realpathSync(java)), 'javac');
  const javac = home && existsSync(join(home, 'javac')) ? join(home, 'javac') : which('javac', env) || (existsSync(sibling) ? sibling : null);
  return { java, javac, major };
}

export async function resolveClasspath({ stateDir, env, log }) {
  const cache = join(stateDir, `classpath-${sha256(readFileSync(pomFile, 'utf8')).slice(0, 16)}.txt`);
  if (existsSync(cache)) {
    const cp = readFileSync(cache, 'utf8').trim();
    // ~/.m2 may have been cleaned since; then the cached list is worthless.
    if (cp.split(delimiter).every((jar) => existsSync(jar))) {
      log('kafka: classpath from cache, mvn not needed');
      return { cp };
    }
  }
  const mvn = which('mvn', env);
  if (!mvn) return { reason: 'mvn not found on PATH (needed once to fetch the Kafka jars into ~/.m2)' };
  const started = Date.now();
  const tmp = `${cache}.tmp`;
  // Fully qualified goal: a bare `dependency:` prefix makes Maven look up plugin metadata online,
  // and Maven 3.8 would default to the old 2.x plugin.
  const goal = 'org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath';
  const args = ['-B', '-q', '-Dstyle.color=never', '-f', pomFile, goal, `-Dmdep.outputFile=${tmp}`];
  const r = await run(mvn, args, { env });
  if (r.code !== 0 || !existsSync(tmp)) return { reason: `mvn failed: ${firstError(r.stdout + r.stderr)}` };
  renameSync(tmp, cache);
  pruneSiblings(stateDir, 'classpath-', cache);
  log(`kafka: mvn resolved the Kafka ${kafkaVersion()} classpath in ${seconds(Date.now() - started)}`);
  return { cp: readFileSync(cache, 'utf8').trim() };
}

export async function compileCheck({ stateDir, cp, javac, log }) {
  const out = join(stateDir, `check-${sha256(readFileSync(checkSource, 'utf8') + cp).slice(0, 16)}`);
  if (existsSync(join(out, 'MotifsKafkaCheck.class'))) return { dir: out };
  if (!javac) return { reason: 'javac not found (a full JDK, not only a JRE, is needed for the Kafka readiness check)' };
  const started = Date.now();
  const tmp = `${out}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const r = await run(javac, ['-nowarn', '-cp', cp, '-d', tmp, checkSource]);
  if (r.code !== 0) return { reason: `javac failed on MotifsKafkaCheck.java: ${(r.stderr || r.stdout).trim().slice(0, 400)}` };
  renameSync(tmp, out);
  pruneSiblings(stateDir, 'check-', out);
  log(`kafka: compiled the readiness check in ${seconds(Date.now() - started)}`);
  return { dir: out };
}

/**
 * A KRaft cluster id: 16 random bytes in URL-safe base64, as `kafka-storage random-uuid` prints.
 * Never one that starts with `-`, which the storage tool would read as an option (Kafka's own
 * Uuid.randomUuid() skips those for the same reason).
 */
export function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
