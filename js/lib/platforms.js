// The platforms ssetape ships a binary for: one npm package each, as
// esbuild ships its own (@ssetape/<os>-<cpu>), listed in the main
// package's optionalDependencies so that npm installs only the one that
// fits. scripts/pack.mjs builds them; lib/binary.js finds the one here.
export const platforms = [
  { pkg: '@ssetape/linux-x64', os: 'linux', cpu: 'x64', goos: 'linux', goarch: 'amd64' },
  { pkg: '@ssetape/linux-arm64', os: 'linux', cpu: 'arm64', goos: 'linux', goarch: 'arm64' },
  { pkg: '@ssetape/darwin-x64', os: 'darwin', cpu: 'x64', goos: 'darwin', goarch: 'amd64' },
  { pkg: '@ssetape/darwin-arm64', os: 'darwin', cpu: 'arm64', goos: 'darwin', goarch: 'arm64' },
  { pkg: '@ssetape/win32-x64', os: 'win32', cpu: 'x64', goos: 'windows', goarch: 'amd64' },
];

// exe is the binary's file name in its package.
export const exe = (os) => (os === 'win32' ? 'ssetape.exe' : 'ssetape');
