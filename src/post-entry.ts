// The post step's entry point: the runner runs the bundle built from this file
// when the job ends.
import { run } from './post.js';
import { runAsProcess } from './shell.js';

runAsProcess(run);
