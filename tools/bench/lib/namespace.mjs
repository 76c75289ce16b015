// A key/topic namespace no other run uses: `motifs-bench[-<tag>]-<time>-<random>`. Scenarios touch
// only what lives under it (Redis and Kafka are shared with everything on the machine).
export const benchNamespace = (tag) => `motifs-bench-${tag ? `${tag}-` : ''}${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
