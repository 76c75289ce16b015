// node drop-namespaces.mjs <redis url> <namespace>...: unlinks every key holding one of the
// namespaces (see interrupt.mjs, which runs this while the interrupted scenario stands still),
// then prints how many it removed. Exit 1 when Redis cannot be reached.
import { dropNamespaces, removedLine } from './interrupt.mjs';

const [url, ...namespaces] = process.argv.slice(2);
try {
  const removed = await dropNamespaces(url, namespaces);
  console.log(removedLine(removed, namespaces));
} catch (error) {
  console.error(error.message);
  process.exitCode = 1;
}
