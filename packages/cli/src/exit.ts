/**
 * process.exit() drops what a pipe has not yet taken: stdout to a pipe is asynchronous in Node, so
 * `embedcg schema | slow-reader` lost all but the first 64 KiB. A write's callback runs once every
 * earlier write on that stream is flushed, so an empty write marks the end.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    // A reader that went away (EPIPE) must not keep us waiting.
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}

/** Exit with `code` once stdout and stderr are flushed. */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/**
 * A write to stdout that fails (ENOSPC on a full disk or /dev/full) is a failure during work: exit
 * 1 with one message. Without a listener Node ended with exit 1 and its "Unhandled 'error' event"
 * stack. A reader that went away (EPIPE: `embedcg schema | head`) wanted no more: that stays quiet.
 */
export function exitOnOutputError(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') return;
    process.stderr.write(`error: cannot write the output to stdout (${e.message})\n`);
    process.exit(1);
  });
}
