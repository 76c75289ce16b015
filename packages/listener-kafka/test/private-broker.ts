// A single-node Kafka broker of this test file's own (own MOTIFS_STATE_DIR, own ports), started and
// stopped through tools/services: tests that stop a broker must never stop the shared one.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error -- plain .mjs tooling without type declarations
import * as services from '../../../tools/services/index.mjs';

interface KafkaResult {
  available: boolean;
  brokers: string;
  reason: string | null;
}
interface ServicesApi {
  up(opts: { only: string; env: NodeJS.ProcessEnv; log: (line: string) => void }): Promise<{ kafka: KafkaResult }>;
  down(opts: { only: string; env: NodeJS.ProcessEnv; log: (line: string) => void }): Promise<{ kafka: KafkaResult }>;
}
const svc = services as ServicesApi;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A loopback port that is free, with port + 1 free too (the broker's controller listener). */
async function freePortPair(): Promise<number> {
  const listen = (port: number) =>
    new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const a = await listen(0);
    const port = (a.address() as AddressInfo).port;
    const b = await listen(port + 1).catch(() => undefined);
    await new Promise((resolve) => a.close(resolve));
    if (b) {
      await new Promise((resolve) => b.close(resolve));
      return port;
    }
  }
  throw new Error('no free pair of loopback ports');
}

/** A private broker: `start()` / `stop()` it at will; `destroy()` stops it and deletes its data. */
export interface PrivateBroker {
  brokers: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

export async function privateBroker(): Promise<PrivateBroker> {
  const stateDir = mkdtempSync(join(tmpdir(), 'motifs-private-kafka-'));
  // The jar classpath and the compiled readiness check are caches keyed by the pom's hash: reuse the
  // shared checkout's copies when present, so no mvn/javac run is needed.
  const shared = join(repoRoot, '.motifs', 'kafka');
  if (existsSync(shared)) {
    for (const name of readdirSync(shared)) {
      if (name.startsWith('classpath-') || name.startsWith('check-')) cpSync(join(shared, name), join(stateDir, 'kafka', name), { recursive: true });
    }
  }
  const port = await freePortPair();
  const brokers = `127.0.0.1:${port}`;
  const opts = { only: 'kafka', env: { ...process.env, MOTIFS_STATE_DIR: stateDir, MOTIFS_KAFKA_BROKERS: brokers }, log: () => undefined };
  const broker: PrivateBroker = {
    brokers,
    async start() {
      const r = await svc.up(opts);
      if (!r.kafka.available) throw new Error(`private broker did not start: ${r.kafka.reason}`);
    },
    async stop() {
      await svc.down(opts);
    },
    async destroy() {
      await svc.down(opts).catch(() => undefined);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return broker;
}
