/**
 * Runs `target[Symbol.asyncDispose]()`, which `await using` calls at the end of its block; rejects
 * when the target has no such method, so a motif without it fails its contract.
 */
export async function asyncDispose(target: object): Promise<void> {
  const dispose = (target as Partial<AsyncDisposable>)[Symbol.asyncDispose];
  if (typeof dispose !== 'function') throw new Error('no [Symbol.asyncDispose]() method: `await using` cannot close this object');
  await dispose.call(target);
}
