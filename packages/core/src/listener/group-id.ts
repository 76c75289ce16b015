/**
 * The consumer group a listener joins when none is given: the app's identity, so replicas of one
 * service share a channel's messages while two different services each see all of them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where an identity came from: the caller, the entry module's package.json, or nothing found. */
export type AppIdentitySource = 'option' | 'package.json' | 'fallback';

/**
 * The `name` of the package.json nearest to `entry` (a module path), or `undefined` when there is
 * no entry (a REPL, `node -e`) or no named package.json above it. Listeners ask it about the entry
 * module (`process.argv[1]`); under a test runner that is the runner itself, so tests pass `app`
 * (or `groupId`) instead.
 */
export function detectAppName(entry: string | undefined): string | undefined {
  if (!entry) return undefined;
  let dir = dirname(entry);
  for (let i = 0; i < 64; i++) {
    try {
      const name = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name;
      if (typeof name === 'string' && name.length > 0) return name;
    } catch {
      // No package.json here (or not JSON): look further up.
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

let detected: { name: string | undefined } | undefined;

/** {@link detectAppName} of this process, looked up once. */
export function processAppName(): string | undefined {
  detected ??= { name: detectAppName(process.argv[1]) };
  return detected.name;
}

/**
 * The default consumer group of `channelId`: `<app>.<channelId>`, where `<app>` is `app` when
 * given, else the `name` of the package.json nearest the entry module ({@link processAppName});
 * with neither, `motifs-<channelId>`. The channel is part of the name because kafkajs assigns a
 * group's partitions across every topic its members read: one group per app and channel keeps a
 * listener from being handed another channel's partitions.
 * @example
 * defaultGroupIdFor('orders', 'billing'); // { groupId: 'billing.orders', source: 'option' }
 */
export function defaultGroupIdFor(
  channelId: string,
  app?: string,
  detect: () => string | undefined = processAppName,
): { groupId: string; source: AppIdentitySource } {
  if (app !== undefined) return { groupId: `${app}.${channelId}`, source: 'option' };
  const detectedName = detect();
  if (detectedName !== undefined) return { groupId: `${detectedName}.${channelId}`, source: 'package.json' };
  return { groupId: `motifs-${channelId}`, source: 'fallback' };
}

const announced = new Set<string>();

/**
 * Runs `notice` the first time a defaulted group is used on a channel in this process, so the
 * log names the group once, not once per listener.
 */
export function announceDefaultGroupOnce(channelId: string, groupId: string, notice: () => void): void {
  const key = `${channelId}\u0000${groupId}`;
  if (announced.has(key)) return;
  announced.add(key);
  notice();
}
