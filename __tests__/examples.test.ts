// The workflows in examples/ run as the runner would run them, so that an
// example cannot drift from the action or from the Fusion API: every job (every
// matrix combination) through the workflow stand-in (testbed/workflow.ts). The
// token steps run the bundled dist/index.js against the IMS emulator; each
// `run:` script runs with bash as a later step of its job (PATH from
// GITHUB_PATH, so the real fusion-api launcher and dist/fusion-api.js), in a
// workspace of its own, against the Fusion API emulator, which refuses what
// the real API refuses (limit above 200, limit without orderby, hooks without
// teamId, more than 100 IDs an export). `${{ }}` comes from a table: vars,
// the client ID, the token steps' outputs, the matrix; the client secret only
// in the token step's `with:`.
//
// Steps that use another action are not run: actions/upload-artifact is stood
// in for by reading the folder it would upload.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { runAudited } from '../testbed/audit.js';
import { FusionEmulator, type FusionRequest, tokensOf } from '../testbed/fusion-emulator.js';
import { FUSION_SCOPES, ImsEmulator } from '../testbed/ims-emulator.js';
import { ROOT } from '../testbed/runner.js';
import {
  type JobRun,
  type Workflow,
  jobOrder,
  matrixCombinations,
  readWorkflow,
  runWorkflow,
  substitute,
} from '../testbed/workflow.js';

const EXAMPLES = path.join(ROOT, 'examples');
const ACTION = 'org/fusion-token-action@v1';
const CLIENT = { clientId: 'examples-client', clientSecret: 'examples-secret/+=&%', scopes: FUSION_SCOPES };

let ims: ImsEmulator;
let fusion: FusionEmulator;
let root: string;

beforeAll(async () => {
  ims = await ImsEmulator.start([CLIENT]);
  fusion = await FusionEmulator.start({ tokens: tokensOf(ims) });
});
afterEach(() => {
  ims.reset();
  fusion.reset();
  if (root) rmSync(root, { recursive: true, force: true });
});
afterAll(async () => {
  await ims.close();
  await fusion.close();
});

/** The team the examples read: the last one, so that a list not filtered to it shows another team's first. */
const team = (): number => fusion.teamIds.at(-1) as number;

function runExample(name: string): Promise<JobRun[]> {
  root = mkdtempSync(path.join(tmpdir(), 'fusion-examples-'));
  return runWorkflow(readWorkflow(path.join(EXAMPLES, name)), {
    action: ACTION,
    runAction: (options) => runAudited(options, { emulators: [ims], secrets: [CLIENT.clientSecret] }),
    // Only the hosts differ from production; the organization and region come from the example's vars.
    inputOverrides: { 'ims-url': ims.url, 'fusion-url': fusion.url },
    vars: { FUSION_ORG_ID: fusion.orgId, FUSION_REGION: fusion.region, FUSION_TEAM_ID: String(team()) },
    secrets: { FUSION_CLIENT_ID: CLIENT.clientId },
    actionSecrets: { FUSION_CLIENT_SECRET: CLIENT.clientSecret },
    root,
  });
}

const shown = (request: FusionRequest): string => `${request.method} ${request.url} -> ${request.status}`;

/** Every request answered 2xx: none the API would refuse. */
function expectWellFormed(requests: readonly FusionRequest[]): void {
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.filter((request) => !(request.status && request.status < 300)).map(shown)).toEqual([]);
}

/** No token in any script bash ran, its env, what it printed, or what it left in the workspace. */
function expectNoTokenOutsideTheSession(runs: readonly JobRun[]): void {
  const tokens = ims.issued.map((issued) => issued.accessToken);
  expect(tokens.length).toBeGreaterThan(0);
  for (const run of runs) {
    const texts = [
      ...run.scripts.flatMap(({ script, env, result }) => [
        script,
        ...Object.values(env),
        result.stdout,
        result.stderr,
      ]),
      ...readdirSync(run.workspace, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => readFileSync(path.join(entry.parentPath, entry.name), 'utf8')),
    ];
    for (const token of tokens) {
      expect(texts.filter((text) => text.includes(token.slice(-24))).length).toBe(0);
    }
  }
}

describe('the examples, read', () => {
  const names = readdirSync(EXAMPLES);

  it('are the two the README links', () => {
    expect(names.sort()).toEqual(['matrix-one-token.yml', 'nightly-scenario-export.yml']);
  });

  it.each(names)('%s calls Fusion only through fusion-api, with no token on any command line', (name) => {
    const workflow = parseYaml(readFileSync(path.join(EXAMPLES, name), 'utf8')) as Workflow;
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    const runs = steps.filter((step) => step.run !== undefined);
    expect(runs.length).toBeGreaterThan(0);
    for (const step of runs) {
      const text = `${step.run}\n${JSON.stringify(step.env ?? {})}`;
      expect(text).toMatch(/\bfusion-api \S/);
      expect(text).not.toMatch(
        /access-token|authorization|bearer|FUSION_ACCESS_TOKEN|curl|client_secret|CLIENT_SECRET/i,
      );
    }
    for (const job of Object.values(workflow.jobs)) {
      const calls = job.steps.some((step) => step.run !== undefined);
      const token = job.steps.find((step) => step.uses === ACTION);
      expect(token).toBeDefined();
      // A job that calls Fusion puts fusion-api on PATH, with the organization and region from vars.
      if (calls) {
        expect(token?.with).toMatchObject({
          'fusion-api': true,
          'fusion-org-id': '${{ vars.FUSION_ORG_ID }}',
          'fusion-region': '${{ vars.FUSION_REGION }}',
        });
      }
      expect(token?.with).not.toHaveProperty('export-env');
    }
  });
});

describe('the workflow stand-in', () => {
  it('substitutes context names from the table and refuses anything else', () => {
    expect(substitute('a ${{ vars.X }} b ${{matrix.y-z}}', { 'vars.X': '1', 'matrix.y-z': '2' }, 'w')).toBe('a 1 b 2');
    expect(() => substitute('${{ secrets.FUSION_CLIENT_SECRET }}', {}, 'run')).toThrow(
      'run: no value for ${{ secrets.FUSION_CLIENT_SECRET }}',
    );
    expect(() => substitute("${{ format('{0}', vars.X) }}", { 'vars.X': '1' }, 'run')).toThrow('is not a context name');
  });

  it('expands every combination of a matrix, and refuses what it does not carry out', () => {
    expect(matrixCombinations({ a: ['x', 'y'], b: [1, true] })).toEqual([
      { a: 'x', b: '1' },
      { a: 'x', b: 'true' },
      { a: 'y', b: '1' },
      { a: 'y', b: 'true' },
    ]);
    expect(matrixCombinations(undefined)).toEqual([{}]);
    expect(() => matrixCombinations({ include: [] })).toThrow('matrix.include: this stand-in expands only');
  });

  it('orders jobs after those they need, and refuses a cycle', () => {
    const steps: never[] = [];
    expect(jobOrder({ c: { needs: ['a', 'b'], steps }, b: { needs: 'a', steps }, a: { steps } })).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(() => jobOrder({ a: { needs: 'b', steps }, b: { needs: 'a', steps } })).toThrow('need each other');
  });
});

describe('nightly-scenario-export.yml', () => {
  it('exports every scenario once, in batches of at most 100, one file per scenario equal to its blueprint', async () => {
    const [job, ...others] = await runExample('nightly-scenario-export.yml');
    const scenarios = fusion.data.scenarios;
    expect(others).toEqual([]);
    expect(job?.actionSteps.map((step) => step.outputs['source'])).toEqual(['minted']);

    // Listed with --paginate: every page of at most 200, ordered, as the API wants it.
    const lists = fusion.requests.filter((request) => request.path === '/api/v3/scenarios');
    expect(lists).toHaveLength(Math.ceil(scenarios.length / 200));
    for (const list of lists) {
      expect(list.query?.filter(([name]) => name !== 'start')).toEqual([
        ['orderby', '+id'],
        ['limit', '200'],
      ]);
    }
    // Exported in batches of at most 100 IDs, every scenario exactly once.
    const exports = fusion.requests.filter((request) => request.path === '/api/v3/scenarios/export');
    const batches = exports.map((request) => (JSON.parse(request.body) as { scenarioIds: number[] }).scenarioIds);
    expect(exports.every((request) => request.method === 'POST')).toBe(true);
    expect(batches.length).toBe(Math.ceil(scenarios.length / 100));
    expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(100);
    expect(batches.flat()).toEqual(scenarios.map((scenario) => scenario.id).sort((a, b) => a - b));
    expectWellFormed(fusion.requests);
    expect(fusion.requests).toHaveLength(lists.length + exports.length);

    // upload-artifact is not run: what it would upload is the folder its path names.
    expect(job?.skipped).toEqual([
      {
        uses: 'actions/upload-artifact@v4',
        with: { name: 'fusion-scenarios', path: 'scenarios/', 'if-no-files-found': 'error', 'retention-days': '30' },
      },
    ]);
    const artifact = path.join(job?.workspace as string, job?.skipped[0]?.with['path'] as string);
    expect(readdirSync(artifact).sort()).toEqual(scenarios.map((scenario) => `${scenario.id}.json`).sort());
    for (const scenario of scenarios) {
      expect(JSON.parse(readFileSync(path.join(artifact, `${scenario.id}.json`), 'utf8'))).toEqual(scenario.blueprint);
    }
    expect(job?.summary).toBe(`Exported the blueprints of ${scenarios.length} scenarios.\n`);
    expectNoTokenOutsideTheSession([job as JobRun]);
  }, 240_000);
});

describe('matrix-one-token.yml', () => {
  const RESOURCES = {
    scenarios: () => fusion.data.scenarios,
    connections: () => fusion.data.connections,
    hooks: () => fusion.data.hooks,
    'data-stores': () => fusion.data.dataStores,
    folders: () => fusion.data.folders,
  } as const;

  it("mints one token for the whole matrix; each job reads its resource's first record of the team as the API wants it", async () => {
    const runs = await runExample('matrix-one-token.yml');
    const [token, ...checks] = runs;
    expect(token?.job).toBe('token');
    expect(token?.outputs['sealed-token']).toMatch(/^fta1\./);
    expect(ims.issued).toHaveLength(1);
    expect(checks.map((check) => [check.job, check.matrix])).toEqual(
      Object.keys(RESOURCES).map((resource) => ['check', { resource }]),
    );
    for (const check of checks) {
      const resource = check.matrix['resource'] as keyof typeof RESOURCES;
      expect(check.actionSteps.map((step) => step.outputs['source'])).toEqual(['sealed-token']);
      const first = RESOURCES[resource]()
        .filter((item) => item.teamId === team())
        .sort((a, b) => a.id - b.id)[0] as { id: number; name: string };
      const line = `${resource}: OK, the first in team ${team()} is ${first.id} ${JSON.stringify(first.name)}\n`;
      expect(check.scripts[0]?.result.stdout).toBe(line);
      expect(check.summary).toBe(line);
    }

    // One request a job, each with what its resource requires: teamId, or a property filter; orderby with limit.
    expect(fusion.requests.map((request) => [request.path, request.query])).toEqual([
      [
        '/api/v3/scenarios',
        [
          ['property', `teamId==${team()}`],
          ['orderby', '+id'],
          ['limit', '1'],
        ],
      ],
      [
        '/api/v3/connections',
        [
          ['property', `teamId==${team()}`],
          ['orderby', '+id'],
          ['limit', '1'],
        ],
      ],
      [
        '/api/v3/hooks',
        [
          ['teamId', String(team())],
          ['orderby', '+id'],
          ['limit', '1'],
        ],
      ],
      [
        '/api/v3/data-stores',
        [
          ['teamId', String(team())],
          ['orderby', '+id'],
          ['limit', '1'],
        ],
      ],
      [
        '/api/v3/folders',
        [
          ['teamId', String(team())],
          ['orderby', '+id'],
          ['limit', '1'],
        ],
      ],
    ]);
    expectWellFormed(fusion.requests);
    expectNoTokenOutsideTheSession(runs);
  }, 240_000);
});
