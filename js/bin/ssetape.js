#!/usr/bin/env node
// The ssetape command from npm: runs the platform's binary with the same
// arguments and standard streams, passes signals on to it, and exits with
// its exit code (or, when a signal killed it, the same signal).
import { spawn } from 'node:child_process';
import { binaryPath } from '../lib/binary.js';

let bin;
try {
  bin = binaryPath();
} catch (err) {
  console.error(err.message);
  process.exit(3);
}
const child = spawn(bin, process.argv.slice(2), { stdio: 'inherit' });
const forward = (sig) => () => { if (child.exitCode === null) child.kill(sig); };
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']) {
  process.on(sig, forward(sig));
}
child.on('error', (err) => {
  console.error(`ssetape: could not run ${bin}: ${err.message}`);
  process.exit(3);
});
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
