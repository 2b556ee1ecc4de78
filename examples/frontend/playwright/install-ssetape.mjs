// Installs ssetape into this project from the tarballs `npm run pack` wrote
// to js/dist (nothing from a registry: --offline), without touching
// package.json: node install-ssetape.mjs
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../../js/dist', import.meta.url));
const files = readdirSync(dist).filter((f) => f.endsWith('.tgz'));
const main = files.find((f) => /^ssetape-\d/.test(f));
const mine = files.find((f) => f.startsWith(`ssetape-${process.platform}-${process.arch}-`));
if (!main || !mine) {
  console.error(`no ssetape tarballs for ${process.platform}-${process.arch} in ${dist}: run npm run pack in js/ first`);
  process.exit(1);
}
execFileSync('npm', ['install', '--no-save', '--offline', '--no-audit', '--no-fund', join(dist, main), join(dist, mine)], { stdio: 'inherit' });
