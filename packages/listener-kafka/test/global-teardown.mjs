// After every test file of this package: in CI, stop the 3-node Kafka cluster the cluster suites left
// up for each other (test/cluster.ts), so its three JVMs do not slow the packages tested after this one.
// Locally each suite stops the cluster it started (unless MOTIFS_KAFKA_CLUSTER_KEEP=1).
export default async function globalTeardown() {
  if (process.env.CI !== 'true' && process.env.CI !== '1') return;
  const services = await import(new URL('../../../tools/services/index.mjs', import.meta.url).href);
  await services.clusterDown({ log: (line) => console.log(`motifs services: ${line}`) });
}
