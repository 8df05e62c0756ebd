// Stands in for: @actions/core, for in-process tests of the step shells.
// A stand-in for the slice of @actions/core the steps use, for in-process
// tests: inputs and state come from maps (trimmed as core.getInput trims),
// and every call is recorded in order, to check what is masked before what.
import type { ActionsCore } from '../src/shell.js';

export type CoreEvent =
  | readonly ['secret', string]
  | readonly ['output', string, string]
  | readonly ['env', string, string]
  | readonly ['state', string, string]
  | readonly ['path', string]
  | readonly ['info' | 'warning' | 'failed', string];

export function recordingCore(
  inputs: Readonly<Record<string, string>>,
  state: Readonly<Record<string, string>> = {},
): { actions: ActionsCore; events: CoreEvent[] } {
  const events: CoreEvent[] = [];
  const actions: ActionsCore = {
    getInput: (name) => (inputs[name] ?? '').trim(),
    getState: (name) => state[name] ?? '',
    setSecret: (value) => void events.push(['secret', value]),
    setOutput: (name, value) => void events.push(['output', name, String(value)]),
    exportVariable: (name, value) => void events.push(['env', name, String(value)]),
    saveState: (name, value) => void events.push(['state', name, String(value)]),
    addPath: (folder) => void events.push(['path', folder]),
    info: (line) => void events.push(['info', line]),
    warning: (message) => void events.push(['warning', String(message)]),
    setFailed: (message) => void events.push(['failed', String(message)]),
  };
  return { actions, events };
}
