// Keeps the command's memory flat on a large answer. Each piece of a body is
// a fresh Buffer outside V8's heap; V8 collects them only after tens of MiB
// have piled up, and later still on a busy machine, so a 200 MB download
// could peak far above what it holds at any moment. A full collection every
// few MiB written (a few ms each) bounds the pile. Node exposes gc() only
// under --expose-gc, which the flag below turns on for a new context.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How much body may pass between two collections. */
export const COLLECT_EVERY_BYTES = 16 * 1024 * 1024;

let collect: (() => void) | undefined;

function collector(): () => void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

/** Counts the bytes of a body, and collects the spent ones every `every` bytes. */
export function memoryKeeper(
  every = COLLECT_EVERY_BYTES,
  collect = (): void => collector()(),
): (bytes: number) => void {
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < every) return;
    since = 0;
    collect();
  };
}
