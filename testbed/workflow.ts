// Stands in for: the GitHub Actions runner running the jobs of a workflow file, as far as examples/ needs it.
// Reads a workflow with the `yaml` package and runs its jobs in `needs` order,
// every combination of a job's matrix as a job of its own, each with a
// RUNNER_TEMP and a workspace of its own:
//  - a step that uses the action runs the bundled action (the caller's
//    runAction, e.g. runAudited) with the inputs of its `with:`, over which
//    the caller's inputOverrides go (the emulators' URLs);
//  - a `run:` step runs with bash as the runner runs it (`bash -e {0}`, or
//    `bash --noprofile --norc -eo pipefail {0}` with `shell: bash`), as a later
//    step of the job (runLaterStep: PATH from GITHUB_PATH, the environment of
//    GITHUB_ENV), in the workspace, with GITHUB_WORKSPACE and
//    GITHUB_STEP_SUMMARY set;
//  - any other `uses:` step is not run: it is returned, for the caller to
//    stand in for.
// `${{ }}` may hold only a context name (vars.X, secrets.X, matrix.X,
// steps.<id>.outputs.X, needs.<job>.outputs.X), looked up in a table; any
// other expression, or a name the table lacks, fails, and so does a key this
// stand-in does not carry out (`if:`, `include:`, ...): an example cannot use
// what it does not give.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type LaterStepResult, type RunOptions, type RunResult, runLaterStep } from './runner.js';

/** A step of a job, as the workflow file has it. */
export interface WorkflowStep {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly run?: string;
  readonly env?: Readonly<Record<string, unknown>>;
  readonly shell?: string;
}

export interface WorkflowJob {
  readonly needs?: string | readonly string[];
  readonly outputs?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, unknown>>;
  readonly strategy?: { readonly matrix?: Readonly<Record<string, unknown>> };
  readonly steps: readonly WorkflowStep[];
}

export interface Workflow {
  readonly jobs: Readonly<Record<string, WorkflowJob>>;
}

const STEP_KEYS = new Set(['id', 'name', 'uses', 'with', 'run', 'env', 'shell']);
const JOB_KEYS = new Set(['needs', 'outputs', 'env', 'strategy', 'steps', 'runs-on', 'timeout-minutes', 'permissions']);
const STRATEGY_KEYS = new Set(['matrix', 'fail-fast', 'max-parallel']);
const CONTEXT_NAME = /^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*$/;

export function readWorkflow(file: string): Workflow {
  return parseYaml(readFileSync(file, 'utf8')) as Workflow;
}

/** Replaces each `${{ name }}` with the table's value for that context name. */
export function substitute(text: string, table: Readonly<Record<string, string>>, where: string): string {
  return text.replace(/\$\{\{(.*?)\}\}/gs, (_, inner: string) => {
    const name = inner.trim();
    if (!CONTEXT_NAME.test(name)) {
      throw new Error(`${where}: \${{ ${name} }} is not a context name; this stand-in evaluates nothing else`);
    }
    const value = table[name];
    if (value === undefined) throw new Error(`${where}: no value for \${{ ${name} }}`);
    return value;
  });
}

/** A YAML scalar as the runner passes it on: true as "true", 3 as "3". */
function scalar(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${where}: ${JSON.stringify(value)} is not a scalar`);
}

function substituteAll(
  values: Readonly<Record<string, unknown>> | undefined,
  table: Readonly<Record<string, string>>,
  where: string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values ?? {}).map(([key, value]) => [
      key,
      substitute(scalar(value, where), table, `${where}.${key}`),
    ]),
  );
}

/** Every combination of a matrix whose keys each list their values; include and exclude are not carried out. */
export function matrixCombinations(matrix: Readonly<Record<string, unknown>> | undefined): Record<string, string>[] {
  let combinations: Record<string, string>[] = [{}];
  for (const [key, values] of Object.entries(matrix ?? {})) {
    if (!Array.isArray(values) || values.length === 0) {
      throw new Error(`matrix.${key}: this stand-in expands only non-empty lists (no include, exclude or expressions)`);
    }
    combinations = combinations.flatMap((combination) =>
      values.map((value) => ({ ...combination, [key]: scalar(value, `matrix.${key}`) })),
    );
  }
  return combinations;
}

/** The jobs in an order that runs each after those it needs. */
export function jobOrder(jobs: Readonly<Record<string, WorkflowJob>>): string[] {
  const order: string[] = [];
  const visit = (name: string, path: readonly string[]): void => {
    if (order.includes(name)) return;
    if (path.includes(name)) throw new Error(`jobs ${[...path, name].join(' -> ')} need each other`);
    const job = jobs[name];
    if (!job) throw new Error(`job ${path.at(-1)} needs ${name}, which the workflow does not have`);
    for (const needed of [job.needs ?? []].flat()) visit(needed, [...path, name]);
    order.push(name);
  };
  for (const name of Object.keys(jobs)) visit(name, []);
  return order;
}

function checkKeys(object: object, allowed: ReadonlySet<string>, where: string): void {
  const unknown = Object.keys(object).filter((key) => !allowed.has(key));
  if (unknown.length > 0) throw new Error(`${where}: this stand-in does not carry out ${unknown.join(', ')}`);
}

/** The command line the runner runs a `run:` script with. */
function shellCommand(shell: string | undefined, file: string, where: string): [string, string[]] {
  if (shell === undefined) return ['bash', ['-e', file]];
  if (shell === 'bash') return ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', file]];
  throw new Error(`${where}: shell ${shell} is not run by this stand-in`);
}

export interface WorkflowOptions {
  /** The action's `uses:` (e.g. org/fusion-token-action@v1): those steps run `runAction`. */
  readonly action: string;
  /** Runs the bundled action, as the harness's runAction or runAudited does. */
  readonly runAction: (options: RunOptions) => Promise<RunResult>;
  /** Inputs that go over those of `with:` (the emulators' URLs). */
  readonly inputOverrides: Readonly<Record<string, string>>;
  readonly vars: Readonly<Record<string, string>>;
  /** Secrets every expression may name. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Secrets only the action's `with:` may name (the client secret): a `run:` step that names one fails. */
  readonly actionSecrets: Readonly<Record<string, string>>;
  /** Where each job's folders go: <root>/<job>-<n>/{temp,workspace}. */
  readonly root: string;
  /** Limit for one `run:` step. */
  readonly killAfterMs?: number;
}

export interface ScriptRun {
  readonly step: string;
  /** The script as bash ran it, and its `env:`, after substitution. */
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
  readonly result: LaterStepResult;
}

export interface JobRun {
  readonly job: string;
  readonly matrix: Readonly<Record<string, string>>;
  readonly workspace: string;
  /** What the job's steps appended to GITHUB_STEP_SUMMARY. */
  readonly summary: string;
  readonly actionSteps: readonly RunResult[];
  readonly scripts: readonly ScriptRun[];
  /** The `uses:` steps not run, with their `with:` after substitution, for the caller to stand in for. */
  readonly skipped: readonly { readonly uses: string; readonly with: Readonly<Record<string, string>> }[];
  readonly outputs: Readonly<Record<string, string>>;
}

function prefixed(prefix: string, values: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [`${prefix}.${key}`, value]));
}

/**
 * Runs every job of the workflow, in `needs` order; fails on the first step
 * that fails (naming it, with what it printed), as the job would.
 */
export async function runWorkflow(workflow: Workflow, options: WorkflowOptions): Promise<JobRun[]> {
  const runs: JobRun[] = [];
  const jobOutputs: Record<string, Record<string, string>> = {};
  for (const name of jobOrder(workflow.jobs)) {
    const job = workflow.jobs[name] as WorkflowJob;
    checkKeys(job, JOB_KEYS, `jobs.${name}`);
    checkKeys(job.strategy ?? {}, STRATEGY_KEYS, `jobs.${name}.strategy`);
    const needs = [job.needs ?? []].flat();
    const combinations = matrixCombinations(job.strategy?.matrix);
    for (const [index, matrix] of combinations.entries()) {
      const run = await runJob(name, job, index, matrix, needs, jobOutputs, options);
      runs.push(run);
      // With a matrix, the job's outputs are those of the combination that set them last, as on the runner.
      jobOutputs[name] = { ...jobOutputs[name], ...run.outputs };
    }
  }
  return runs;
}

async function runJob(
  name: string,
  job: WorkflowJob,
  index: number,
  matrix: Readonly<Record<string, string>>,
  needs: readonly string[],
  jobOutputs: Readonly<Record<string, Record<string, string>>>,
  options: WorkflowOptions,
): Promise<JobRun> {
  const folder = path.join(options.root, `${name}-${index}`);
  const runnerTemp = path.join(folder, 'temp');
  const workspace = path.join(folder, 'workspace');
  const summaryFile = path.join(folder, 'step-summary.md');
  mkdirSync(runnerTemp, { recursive: true });
  mkdirSync(workspace);
  writeFileSync(summaryFile, '');
  const table: Record<string, string> = {
    ...prefixed('vars', options.vars),
    ...prefixed('secrets', options.secrets),
    ...prefixed('matrix', matrix),
    ...Object.fromEntries(
      needs.flatMap((needed) => Object.entries(prefixed(`needs.${needed}.outputs`, jobOutputs[needed] ?? {}))),
    ),
  };
  const jobEnv = substituteAll(job.env, table, `jobs.${name}.env`);
  const actionSteps: RunResult[] = [];
  const scripts: ScriptRun[] = [];
  const skipped: { uses: string; with: Record<string, string> }[] = [];
  for (const [number, step] of job.steps.entries()) {
    const where = `jobs.${name}.steps[${number}]${step.name ? ` (${step.name})` : ''}`;
    checkKeys(step, STEP_KEYS, where);
    if (step.uses === options.action) {
      const withTable = { ...table, ...prefixed('secrets', options.actionSecrets) };
      const inputs = { ...substituteAll(step.with, withTable, `${where}.with`), ...options.inputOverrides };
      const result = await options.runAction({ inputs, runnerTemp });
      if (result.exitCode !== 0)
        throw new Error(`${where} failed (exit ${result.exitCode}):\n${result.log.join('\n')}`);
      actionSteps.push(result);
      if (step.id) Object.assign(table, prefixed(`steps.${step.id}.outputs`, result.outputs));
    } else if (step.uses !== undefined) {
      skipped.push({ uses: step.uses, with: substituteAll(step.with, table, `${where}.with`) });
    } else if (step.run !== undefined) {
      const last = actionSteps.at(-1);
      if (!last) throw new Error(`${where}: a run: step before any step of ${options.action}`);
      const script = substitute(step.run, table, `${where}.run`);
      const env = { ...jobEnv, ...substituteAll(step.env, table, `${where}.env`) };
      const file = path.join(folder, `step-${number}.sh`);
      writeFileSync(file, script);
      const [command, args] = shellCommand(step.shell, file, where);
      const result = await runLaterStep(last, command, args, {
        cwd: workspace,
        env: { ...env, GITHUB_WORKSPACE: workspace, GITHUB_STEP_SUMMARY: summaryFile },
        killAfterMs: options.killAfterMs ?? 120_000,
      });
      if (result.exitCode !== 0) {
        throw new Error(`${where} failed (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
      }
      scripts.push({ step: where, script, env, result });
    } else {
      throw new Error(`${where} has neither uses: nor run:`);
    }
  }
  // The runner drops a job output that holds a masked value ("Skip output ... since it may contain secret").
  const masks = actionSteps.flatMap((result) => result.masks).filter((mask) => mask !== '');
  const outputs = Object.fromEntries(
    Object.entries(substituteAll(job.outputs, table, `jobs.${name}.outputs`)).filter(
      ([, value]) => !masks.some((mask) => value.includes(mask)),
    ),
  );
  const summary = readFileSync(summaryFile, 'utf8');
  return { job: name, matrix, workspace, summary, actionSteps, scripts, skipped, outputs };
}
