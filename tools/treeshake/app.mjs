// What a size-conscious user writes: core's errors plus the memory cacher's own factory, no registry.
import { isMotifsError, MotifsErrorNotFound } from '@motifs/core';
import { createMemoryCacher } from '@motifs/cacher-memory';

const cacher = createMemoryCacher({ namespace: 'treeshake' });
await cacher.setItem('greeting', { hello: 'world' }, 60_000);
console.log(JSON.stringify(await cacher.getItem('greeting')));
try {
  await cacher.getItem('missing');
} catch (err) {
  console.log(err instanceof MotifsErrorNotFound && isMotifsError(err, 'MOTIFS_NOT_FOUND') ? 'miss' : 'unexpected');
}
await cacher.close();
