// The action's entry point: the runner runs the bundle built from this file.
import { run } from './main.js';

void run();
