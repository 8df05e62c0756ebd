// The action's entry point: the runner runs the bundle built from this file.
import { run } from './main.js';

// tunnel, the proxy agent of @actions/http-client, calls the deprecated
// Buffer() constructor for proxy credentials. Bundled, Node no longer sees it
// as a dependency and would print a deprecation warning on every such run.
process.noDeprecation = true;

void run();
