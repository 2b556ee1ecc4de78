// npm run pack: builds the ssetape binary for every platform (Go, with
// CGO_ENABLED=0, the version and revision stamped), makes one npm package
// per platform and the main package, all at one version, and writes their
// tarballs to js/dist/. PLATFORMS=linux-x64,darwin-arm64 builds only those.
//
// The version is the nearest vX.Y.Z tag, else 0.0.0-dev.YYYYMMDD.SHORTREV
// (the commit's date and revision).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { platforms, exe } from '../lib/platforms.js';

const js = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = dirname(js);
const dist = join(js, 'dist');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts }).trim();

function versionOf() {
  let rev = run('git', ['rev-parse', '--short=12', 'HEAD']);
  if (run('git', ['status', '--porcelain', '--untracked-files=no'])) rev += '-dirty';
  try {
    const tag = run('git', ['describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*.[0-9]*.[0-9]*'], { stdio: ['ignore', 'pipe', 'ignore'] });
    return { version: tag.slice(1), rev };
  } catch {
    const date = run('git', ['log', '-1', '--format=%cd', '--date=format:%Y%m%d']);
    return { version: `0.0.0-dev.${date}.${rev.slice(0, 7)}`, rev };
  }
}

const { version, rev } = versionOf();
const wanted = process.env.PLATFORMS ? process.env.PLATFORMS.split(',').map((s) => s.trim()) : null;
const chosen = platforms.filter((p) => !wanted || wanted.includes(`${p.os}-${p.cpu}`));
if (chosen.length === 0) throw new Error(`PLATFORMS=${process.env.PLATFORMS}: none of ${platforms.map((p) => `${p.os}-${p.cpu}`).join(', ')}`);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const stage = mkdtempSync(join(tmpdir(), 'ssetape-pack-'));
const base = JSON.parse(readFileSync(join(js, 'package.json'), 'utf8'));
const pack = (dir) => run('npm', ['pack', '--silent', '--pack-destination', dist], { cwd: dir });

try {
  for (const p of chosen) {
    const dir = join(stage, `${p.os}-${p.cpu}`);
    mkdirSync(join(dir, 'bin'), { recursive: true });
    const started = Date.now();
    run('go', ['build', '-trimpath', '-ldflags', `-s -w -X main.version=v${version} -X main.revision=${rev}`,
      '-o', join(dir, 'bin', exe(p.os)), './cmd/ssetape'],
    { env: { ...process.env, CGO_ENABLED: '0', GOOS: p.goos, GOARCH: p.goarch } });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({
      name: p.pkg, version, description: `The ssetape binary for ${p.os}-${p.cpu} (installed by the ssetape package).`,
      license: base.license, os: [p.os], cpu: [p.cpu], files: ['bin/'], preferUnplugged: true,
    }, null, 2) + '\n');
    writeFileSync(join(dir, 'README.md'), `# ${p.pkg}\n\nThe \`ssetape\` binary for ${p.os}-${p.cpu}. Install \`ssetape\`, not this package: npm picks the binary that fits.\n`);
    console.log(`${p.pkg}@${version}: ${pack(dir)} (built in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  const main = join(stage, 'ssetape');
  mkdirSync(main);
  for (const f of base.files) cpSync(join(js, f), join(main, f), { recursive: true });
  const pkg = { ...base, version, optionalDependencies: {} };
  for (const p of platforms) pkg.optionalDependencies[p.pkg] = version;
  delete pkg.scripts;
  writeFileSync(join(main, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  console.log(`ssetape@${version}: ${pack(main)}`);
  console.log(`wrote ${readdirSync(dist).length} tarballs to ${dist}`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
