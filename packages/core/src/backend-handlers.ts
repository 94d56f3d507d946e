/**
 * When tfjs-backend-wasm instantiates its Emscripten module under Node, the glue code installs two
 * process-wide listeners, `uncaughtException` (`throw ex`) and `unhandledRejection`
 * (`throw reason`). A listener that throws is a fatal error in Node's own handler: the process
 * exits with code 7, and the report points at the glue's `throw ex` line. So a user's script that
 * selected the wasm backend and then threw, or left a promise rejected, exited 7 instead of 1.
 * tfjs never calls Emscripten's exit(), the one case those listeners exist for (they let its
 * ExitStatus pass), so taking them off gives the process Node's own handling back: exit code 1
 * and the user's error with the user's stack.
 */

const EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Run `init` (which may instantiate the wasm module) and then remove the `uncaughtException` and
 * `unhandledRejection` listeners it added. Listeners that were there before stay. Which listeners
 * to remove is decided by when they were added, not by their source text, so this holds however
 * TensorFlow.js is bundled.
 */
export async function withoutAddedFatalHandlers<T>(init: () => Promise<T>): Promise<T> {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(EVENTS.map((e) => [e, new Set(emitter.listeners(e))]));
  try {
    return await init();
  } finally {
    for (const e of EVENTS) {
      for (const listener of emitter.listeners(e)) {
        if (!before.get(e)!.has(listener)) emitter.removeListener(e, listener as (...a: unknown[]) => void);
      }
    }
  }
}
