// The main step's entry point: the runner runs the bundle built from this file.
import { run } from './main.js';
import { runAsProcess } from './shell.js';

runAsProcess(run);
