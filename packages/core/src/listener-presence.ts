/**
 * Whether anything listens on an event of an Emittery, for hot paths that skip building event data
 * nobody receives. Emittery's `listenerCount()` allocates and costs about as much as the work it
 * would save, so it is asked once per event and per change of listeners: every way to add or remove
 * one (`on`, `off`, `onAny`, `offAny`, `clearListeners`, `events`, `anyEvent`) is wrapped to forget
 * the answers. Used by the cacher and the repo bases.
 */
export function listenerPresence(em: object): (event: string) => boolean {
  let heard: Record<string, boolean> | undefined;
  const methods = em as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['on', 'off', 'onAny', 'offAny', 'clearListeners', 'events', 'anyEvent']) {
    const original = methods[method]!.bind(em);
    methods[method] = (...args: unknown[]) => {
      heard = undefined;
      return original(...args);
    };
  }
  const counter = em as { listenerCount(event: string): number };
  return (event) => {
    const known = (heard ??= {});
    return (known[event] ??= counter.listenerCount(event) > 0);
  };
}
