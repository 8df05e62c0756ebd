// The fusion-api command's entry point: the launchers the token step writes
// run the bundle built from this file (dist/fusion-api.js) with the step's Node.
import { run } from './fusion-api/main.js';

const env = { ...process.env };
// Left set to 0, Node would warn that certificate checks are off; the command verifies them all the same (and says so).
delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
// tunnel, the proxy agent of @actions/http-client, calls the deprecated Buffer() for proxy credentials.
process.noDeprecation = true;

void run(process.argv.slice(2), {
  env,
  cwd: process.cwd(),
  stdin: () => process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
}).then((code) => {
  process.exitCode = code;
  // A request abandoned at its time limit may still hold the process (a proxy that never answers CONNECT).
  setTimeout(() => process.exit(), 1000).unref();
});
