// npm run emulator: the IMS emulator the tests use, as a standalone server on
// 127.0.0.1, for trying the action by hand and for CI's self-test job, which
// runs the action with `uses: ./` against it.
//
//   npm run emulator -- --port 8123
//
// It knows one credential: client ID from EMULATOR_CLIENT_ID (default
// `selftest-client`), with the secret from EMULATOR_CLIENT_SECRET (default
// `selftest-secret`), granted the Fusion scopes. It runs until stopped, logging each request it answers.
// A port it cannot have is one line on stderr and exit code 1, never a stack trace.
import { parseArgs } from 'node:util';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';

/** The port .env.example and CI's self-test point at. */
const DEFAULT_PORT = '8123';
const PICK_ANOTHER = 'npm run emulator -- --port N';

function fail(line: string): never {
  console.error(line);
  process.exit(1);
}

function readPort(): number {
  let port: string;
  try {
    port = parseArgs({ options: { port: { type: 'string', default: DEFAULT_PORT } } }).values.port;
  } catch (error) {
    fail(`${(error as Error).message}. Usage: ${PICK_ANOTHER}`);
  }
  const number = Number(port);
  if (port.trim() === '' || !Number.isInteger(number) || number < 0 || number > 65535) {
    fail(`--port must be a port number from 0 to 65535 (0: any free one), got "${port}". Usage: ${PICK_ANOTHER}`);
  }
  return number;
}

const port = readPort();
const client = {
  clientId: process.env['EMULATOR_CLIENT_ID'] || 'selftest-client',
  clientSecret: process.env['EMULATOR_CLIENT_SECRET'] || 'selftest-secret',
  scopes: FUSION_SCOPES,
};
let ims: ImsEmulator;
try {
  ims = await ImsEmulator.start([client], { port });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    fail(
      `Port ${port} on 127.0.0.1 is already in use (an emulator already running?): stop what holds it, ` +
        `or pick another port with ${PICK_ANOTHER} (then point INPUT_IMS-URL in .env at it).`,
    );
  }
  fail(`Cannot listen on 127.0.0.1:${port}: ${(error as Error).message}. Pick another port with ${PICK_ANOTHER}.`);
}
console.log(`IMS emulator listening on ${ims.url} (client ${client.clientId}); stop it with Ctrl-C.`);
let logged = 0;
setInterval(() => {
  for (const request of ims.requests.slice(logged)) console.log(`${request.method} ${request.url.split('?')[0]}`);
  logged = ims.requests.length;
}, 500).unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void ims.close().then(() => process.exit(0)));
}
