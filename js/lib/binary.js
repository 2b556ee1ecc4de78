// Finding the ssetape binary: SSETAPE_BINARY when set, else the one in the
// platform package npm installed beside this one. Nothing is downloaded.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { platforms, exe } from './platforms.js';

const require = createRequire(import.meta.url);

export function binaryPath(override) {
  const explicit = override || process.env.SSETAPE_BINARY;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`ssetape: the binary ${explicit} (SSETAPE_BINARY) does not exist`);
    return explicit;
  }
  const p = platforms.find((x) => x.os === process.platform && x.cpu === process.arch);
  if (!p) {
    throw new Error(`ssetape: no binary is published for ${process.platform}-${process.arch}; build one with go install ./cmd/ssetape and set SSETAPE_BINARY to it`);
  }
  let dir;
  try {
    dir = dirname(require.resolve(`${p.pkg}/package.json`));
  } catch {
    throw new Error(`ssetape: the package ${p.pkg} is not installed (npm skips optional dependencies with --no-optional or --omit=optional); reinstall ssetape without that flag, or set SSETAPE_BINARY`);
  }
  return join(dir, 'bin', exe(p.os));
}
