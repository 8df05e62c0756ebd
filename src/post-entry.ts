// The post step's entry point: the runner runs the bundle built from this file
// when the job ends.
import { runPost } from './post.js';
import { runAsProcess } from './shell.js';

runAsProcess(runPost);
