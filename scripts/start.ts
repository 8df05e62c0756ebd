// npm start: runs the bundled action exactly as the runner would and prints
// what the runner's log would show, then the outputs as a later step that
// echoes them would show them (masked values as ***), then the post step
// (dist/post.js), which the runner runs when the job ends whatever the main
// step did: with revoke=true it revokes the token.
//
// By default it asks the local IMS emulator the tests use, with a demo
// credential, so it needs no Adobe account. With FUSION_CLIENT_ID and
// FUSION_CLIENT_SECRET set it asks the real IMS instead (FUSION_SCOPES,
// FUSION_ORG_ID and FUSION_IMS_URL are optional). Any other input can be given
// as name=value arguments: npm start -- retries=0 timeout-seconds=5
// Proxy settings (HTTPS_PROXY, NO_PROXY) and NODE_EXTRA_CA_CERTS are passed on.
// With cache=true it also starts the cache service emulator and runs the step
// twice, as two scheduled runs: the second gets its token from the cache.
// With fusion-api=true it also starts the Fusion API emulator (when it uses
// the IMS emulator) and, after the step, makes one fusion-api call as a later
// step of the job would, with the command the step put on PATH. After each
// run the post step runs, as when the job ends. A run that fails ends it.
// Arguments it cannot read are one line on stderr and exit code 2, without a
// stack trace.

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CacheService } from '../testbed/cache-service.js';
import { FusionEmulator, tokensOf } from '../testbed/fusion-emulator.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';
import {
  type RunResult,
  actionNodeBinary,
  makeRunnerTemp,
  readActionMetadata,
  runAction,
  runLaterStep,
  stateEnvironment,
} from '../testbed/runner.js';
import { execFileSync } from 'node:child_process';

/** Arguments that npm start cannot read: its message is all the user needs. */
class UsageError extends Error {}

function argumentInputs(args: readonly string[]): Record<string, string> {
  const declared = readActionMetadata().inputs;
  const inputs: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const name = arg.slice(0, eq);
    if (eq <= 0 || !(name in declared)) {
      const problem = eq <= 0 ? `${arg} is not name=value` : `${name} is not an input of action.yml`;
      throw new UsageError(
        `npm start: ${problem}. Give inputs as name=value, the name one of: ${Object.keys(declared).join(', ')}.`,
      );
    }
    inputs[name] = arg.slice(eq + 1);
  }
  return inputs;
}

function fromEnvironment(): Record<string, string> | undefined {
  const env = process.env;
  if (!env['FUSION_CLIENT_ID'] || !env['FUSION_CLIENT_SECRET']) return undefined;
  const inputs: Record<string, string> = {
    'client-id': env['FUSION_CLIENT_ID'],
    'client-secret': env['FUSION_CLIENT_SECRET'],
  };
  if (env['FUSION_SCOPES']) inputs['scopes'] = env['FUSION_SCOPES'];
  if (env['FUSION_ORG_ID']) inputs['org-id'] = env['FUSION_ORG_ID'];
  if (env['FUSION_IMS_URL']) inputs['ims-url'] = env['FUSION_IMS_URL'];
  return inputs;
}

/** The network settings a runner would pass on: proxies and extra CAs. */
const PASSED_THROUGH = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
];

function networkEnvironment(): Record<string, string> {
  return Object.fromEntries(
    PASSED_THROUGH.flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])),
  );
}

function maskWith(masks: readonly string[], value: string): string {
  let shown = value;
  for (const mask of [...masks].sort((a, b) => b.length - a.length)) {
    if (mask !== '') shown = shown.split(mask).join('***');
  }
  return shown;
}

/** The call that npm start -- fusion-api=true makes after the step, as a `run:` step would. */
const FUSION_CALL = ['/api/v3/scenarios', '-q', 'limit=3', '-q', 'orderby=+id'];

/** Runs FUSION_CALL as a later step of the step's job, and prints what its log would show. */
async function laterFusionCall(step: RunResult): Promise<number> {
  console.log(`\n--- a later step: fusion-api ${FUSION_CALL.join(' ')} ---`);
  const call = await runLaterStep(step, 'fusion-api', FUSION_CALL, { env: networkEnvironment(), killAfterMs: 120_000 });
  // The runner masks the later steps' logs too.
  for (const line of `${call.stdout}\n${call.stderr}`.split('\n'))
    if (line !== '') console.log(maskWith(step.masks, line));
  console.log(`--- exit code ${call.exitCode} after ${Math.round(call.elapsedMs)} ms ---`);
  return call.exitCode ?? 1;
}

/** Prints a step's log as the runner shows it, and how it ended. */
function printLog(title: string, result: RunResult): void {
  console.log(`\n--- ${title} ---`);
  for (const line of result.log) console.log(line);
  console.log(`--- exit code ${result.exitCode} after ${Math.round(result.elapsedMs)} ms ---`);
}

async function main(): Promise<number> {
  // Read first: a typo starts nothing.
  const given = argumentInputs(process.argv.slice(2));
  const real = fromEnvironment();
  let emulator: ImsEmulator | undefined;
  let inputs: Record<string, string>;
  if (real) {
    inputs = real;
  } else {
    const demo = {
      clientId: 'demo-client-id',
      clientSecret: `demo-${randomBytes(12).toString('hex')}`,
      scopes: FUSION_SCOPES,
    };
    emulator = await ImsEmulator.start([demo]);
    inputs = { 'client-id': demo.clientId, 'client-secret': demo.clientSecret, 'ims-url': emulator.url };
  }
  inputs = { ...inputs, ...given };

  const node = actionNodeBinary();
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`fusion-token-action: running dist/index.js under Node ${version}, as the runner would.`);
  console.log(
    emulator
      ? `IMS: the local emulator at ${emulator.url}, demo client ${inputs['client-id']}. ` +
          'Set FUSION_CLIENT_ID and FUSION_CLIENT_SECRET to ask the real IMS.'
      : `IMS: ${inputs['ims-url'] ?? readActionMetadata().inputs['ims-url']?.default}, client ${inputs['client-id']}.`,
  );
  // cache=true: a local cache service emulator, and the same runner folders for
  // two runs in a row, as on one runner: the second run reuses the first's token.
  const cacheOn = /^true$/i.test(inputs['cache'] ?? '');
  const cacheService = cacheOn ? await CacheService.start() : undefined;
  const runner = cacheOn ? mkdtempSync(path.join(tmpdir(), 'fusion-start-runner-')) : undefined;
  // fusion-api=true: a Fusion API emulator that takes the IMS emulator's tokens (the inputs given win), and a
  // RUNNER_TEMP that outlives the step, for the call after it.
  const fusionOn = /^true$/i.test(inputs['fusion-api'] ?? '');
  const fusion = fusionOn && emulator ? await FusionEmulator.start({ tokens: tokensOf(emulator) }) : undefined;
  if (fusion) inputs = { ...fusion.inputs(), ...inputs };
  const jobTemp = fusionOn ? makeRunnerTemp() : undefined;
  try {
    if (fusion) console.log(`Fusion API: the local emulator at ${fusion.url}; a later step calls it with fusion-api.`);
    let env = networkEnvironment();
    if (cacheService && runner) {
      env = { ...env, ...cacheService.env(), RUNNER_TEMP: path.join(runner, '_temp'), GITHUB_WORKSPACE: runner };
      mkdirSync(env['RUNNER_TEMP'] as string);
      console.log(`Actions cache: the local cache service emulator at ${cacheService.url}; the step runs twice.`);
    }
    const killAfterMs = 15 * 60_000;
    let exitCode = 0;
    for (const run of cacheOn ? ['first run', 'second run'] : ['run']) {
      const which = cacheOn ? ` (${run})` : '';
      const result = await runAction({ inputs, env, killAfterMs, runnerTemp: jobTemp });
      printLog(`runner log${which}`, result);
      if (Object.keys(result.outputs).length > 0) {
        console.log('\n--- step outputs, as a later step that echoes them shows them ---');
        for (const [name, value] of Object.entries(result.outputs)) {
          const shown = maskWith(result.masks, value);
          // A sealed token is long and says nothing to the eye: its start and length are enough.
          console.log(`${name}: ${shown.length > 60 ? `${shown.slice(0, 40)}… (${shown.length} characters)` : shown}`);
        }
      }
      // A later step of the job calls the Fusion API with the command the step put on PATH.
      if (fusionOn && result.exitCode === 0) exitCode ||= await laterFusionCall(result);
      // The post step, as when the job ends (post-if: always()): the same inputs, the main step's state.
      const post = await runAction({
        inputs,
        env: { ...env, ...stateEnvironment(result.state) },
        entry: readActionMetadata().runs.post,
        killAfterMs,
        runnerTemp: jobTemp,
      });
      printLog(`post step log${which}`, post);
      exitCode ||= result.exitCode ?? 1;
      exitCode ||= post.exitCode ?? 1;
      if (result.exitCode !== 0) {
        if (cacheOn && run === 'first run') {
          console.log('\nStopped after the first run failed: a second run would find no token in the cache.');
        }
        break;
      }
    }
    if (emulator) {
      const paths = emulator.requests.map((request) => `${request.method} ${request.url.split('?')[0]}`);
      console.log(
        `\nThe IMS emulator received ${paths.length} request(s)${paths.length > 0 ? `: ${paths.join(', ')}` : ''}.`,
      );
    }
    if (fusion) console.log(`The Fusion API emulator received ${fusion.requests.length} request(s).`);
    return exitCode;
  } finally {
    await emulator?.close();
    await fusion?.close();
    if (jobTemp) rmSync(jobTemp, { recursive: true, force: true });
    await cacheService?.close();
    if (runner) rmSync(runner, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(error.message);
  process.exitCode = 2;
}
