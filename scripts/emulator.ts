// npm run emulator: the IMS emulator the tests use, as a standalone server on
// 127.0.0.1, for trying the action by hand and for CI's self-test job, which
// runs the action with `uses: ./` against it.
//
//   npm run emulator -- --port 8123
//
// It knows one credential: client ID from EMULATOR_CLIENT_ID (default
// `selftest-client`), with the secret from EMULATOR_CLIENT_SECRET (default
// `selftest-secret`), granted the Fusion scopes. It runs until stopped, logging each request it answers.
import { parseArgs } from 'node:util';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8123' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  throw new Error(`--port must be a port number, got ${values.port}`);

const client = {
  clientId: process.env['EMULATOR_CLIENT_ID'] || 'selftest-client',
  clientSecret: process.env['EMULATOR_CLIENT_SECRET'] || 'selftest-secret',
  scopes: FUSION_SCOPES,
};
const ims = await ImsEmulator.start([client], { port });
console.log(`IMS emulator listening on ${ims.url} (client ${client.clientId}); stop it with Ctrl-C.`);
let logged = 0;
setInterval(() => {
  for (const request of ims.requests.slice(logged)) console.log(`${request.method} ${request.url.split('?')[0]}`);
  logged = ims.requests.length;
}, 500).unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void ims.close().then(() => process.exit(0)));
}
