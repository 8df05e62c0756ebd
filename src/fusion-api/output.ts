// Where an answer's body goes, written as it arrives: standard output, or
// -o FILE. A file is written under a temporary name beside it and renamed
// into place only when the whole answer is in, so that a call that fails
// leaves no half file behind (and an attempt that broke off can start over).
// FILE that is no regular file (/dev/null, a FIFO) is written to directly; a
// symbolic link is followed, so the file it names is the one replaced.

import { once } from 'node:events';
import { type FileHandle, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Writing the answer out failed (standard output closed, a full disk): not the API's fault, never retried. */
export class OutputError extends Error {
  override name = 'OutputError';
}

export interface Sink {
  write(chunk: Buffer | string): Promise<void>;
  /** Starts over, for a retry of an answer that broke off: false when what went out cannot be taken back. */
  restart(): Promise<boolean>;
  /** The answer is complete. */
  finish(): Promise<void>;
  /** The call failed: nothing of it stays. */
  abandon(): Promise<void>;
}

/** Standard output: written with backpressure; once a byte is out, an attempt cannot start over. */
export function streamSink(stream: NodeJS.WritableStream, name = 'standard output'): Sink {
  let failure: Error | undefined;
  let written = 0;
  stream.on('error', (error: Error) => (failure ??= error));
  const failed = (error: Error): OutputError => new OutputError(`could not write to ${name}: ${error.message}`);
  return {
    async write(chunk) {
      if (failure) throw failed(failure);
      written += chunk.length;
      if (stream.write(chunk)) return;
      try {
        await once(stream, 'drain');
      } catch (error) {
        throw failed(error as Error);
      }
    },
    restart: () => Promise.resolve(written === 0),
    finish: () => (failure ? Promise.reject(failed(failure)) : Promise.resolve()),
    abandon: () => Promise.resolve(),
  };
}

/** -o FILE: a temporary file beside FILE, renamed into place when the answer is complete. */
export async function fileSink(file: string, unique: string): Promise<Sink> {
  const failed = (error: unknown): OutputError =>
    new OutputError(`could not write ${file}: ${(error as Error).message}`);
  // Where a link leads, where it leads somewhere; else FILE itself, which may not exist yet.
  const target = await realpath(file).catch(() => file);
  const existing = await stat(target).catch(() => undefined);
  if (existing !== undefined && !existing.isFile()) return deviceSink(target, failed);
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.${unique}.partial`);
  let handle: FileHandle;
  try {
    handle = await open(partial, 'wx');
  } catch (error) {
    throw failed(error);
  }
  let position = 0;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    async write(chunk) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      try {
        for (let offset = 0; offset < bytes.length;) {
          const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position);
          offset += bytesWritten;
          position += bytesWritten;
        }
      } catch (error) {
        throw failed(error);
      }
    },
    async restart() {
      await handle.truncate(0);
      position = 0;
      return true;
    },
    async finish() {
      try {
        await close();
        await rename(partial, target);
      } catch (error) {
        throw failed(error);
      }
    },
    async abandon() {
      await close().catch(() => {});
      await unlink(partial).catch(() => {});
    },
  };
}

/** FILE that is a device or a FIFO: written as it comes, like standard output; what went out stays out. */
async function deviceSink(target: string, failed: (error: unknown) => OutputError): Promise<Sink> {
  let handle: FileHandle;
  try {
    handle = await open(target, 'w');
  } catch (error) {
    throw failed(error);
  }
  let written = 0;
  return {
    async write(chunk) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      try {
        for (let offset = 0; offset < bytes.length;) {
          offset += (await handle.write(bytes, offset, bytes.length - offset)).bytesWritten;
        }
      } catch (error) {
        throw failed(error);
      }
      written += bytes.length;
    },
    restart: () => Promise.resolve(written === 0),
    async finish() {
      await handle.close().catch((error: unknown) => {
        throw failed(error);
      });
    },
    abandon: () => handle.close().catch(() => {}),
  };
}

/** One page of --paginate, held to be read as JSON: at most `limit` bytes. */
export function bufferSink(limit: number): Sink & { text(): string } {
  let chunks: Buffer[] = [];
  let size = 0;
  return {
    write(chunk) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size > limit) {
        return Promise.reject(
          new OutputError(
            `a page of more than ${limit / 1024 / 1024} MiB came back; --paginate holds one page at a time`,
          ),
        );
      }
      chunks.push(bytes);
      return Promise.resolve();
    },
    restart() {
      chunks = [];
      size = 0;
      return Promise.resolve(true);
    },
    finish: () => Promise.resolve(),
    abandon: () => Promise.resolve(),
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}
