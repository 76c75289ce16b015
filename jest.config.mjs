// Root config: every package as a jest project, used for whole-repo runs (e.g. unit suites on Node 24).
import { readdirSync, existsSync } from 'node:fs';

const projects = ['packages', 'examples']
  .filter((dir) => existsSync(dir))
  .flatMap((dir) => readdirSync(dir).map((name) => `<rootDir>/${dir}/${name}`))
  .concat(['<rootDir>/tools/nx-plugin'])
  .filter((dir) => existsSync(dir.replace('<rootDir>/', '') + '/jest.config.mjs'));

export default { projects };
