// A key/topic namespace no other run uses: `motifs-bench[-<tag>]-<time>-<random>`. Scenarios touch
// only what lives under it (Redis and Kafka are shared with everything on the machine). Every name
// handed out is remembered, so that an interrupted scenario can still delete its keys (interrupt.mjs).
const handedOut = new Set();

export const benchNamespace = (tag) => {
  const name = `motifs-bench-${tag ? `${tag}-` : ''}${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  handedOut.add(name);
  return name;
};

/** The namespaces this process has handed out, oldest first. */
export const namespacesHandedOut = () => [...handedOut];
