/**
 * tfjs backend selection: tfjs-node when the user installed it (it cannot be installed from the
 * registry alone, so it is never a dependency), else wasm, else cpu. wasm and cpu come from core's
 * bundle. tfjs-node loads its own tfjs-core, but tfjs keeps the engine and the kernel registry on
 * the global object, so the backend and kernels it registers there are the bundle's too.
 */
import * as tf from '@embedcg/core/tf';
import { withoutAddedFatalHandlers } from './backend-handlers.js';

export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

let wasmImported = false;

async function tryImport(specifier: string): Promise<boolean> {
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

/**
 * Select and initialise a backend; returns the name tfjs reports. `auto` prefers tfjs-node,
 * then wasm, then cpu. An explicit choice that is unavailable is an error.
 */
export async function selectBackend(
  preferred: BackendName = 'auto',
  log: (m: string) => void = () => {},
): Promise<string> {
  tf.enableProdMode();
  const order: Array<Exclude<BackendName, 'auto'>> = preferred === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preferred];
  const failures: string[] = [];
  for (const name of order) {
    if (name === 'tensorflow') {
      // Held in a variable so bundlers and tsc do not try to resolve the optional package.
      const pkg = '@tensorflow/tfjs-node';
      if (!(await tryImport(pkg))) {
        failures.push('tensorflow (package @tensorflow/tfjs-node is not installed)');
        continue;
      }
    }
    if (name === 'wasm' && !wasmImported) {
      wasmImported = await tryImport('@embedcg/core/tf/backend-wasm');
      if (!wasmImported) {
        failures.push('wasm (the bundled @embedcg/core/tf/backend-wasm failed to load)');
        continue;
      }
    }
    try {
      // The wasm module's Emscripten glue installs process-wide handlers that turn a user's
      // uncaught error into exit code 7 (backend-handlers.ts): they come off once it is up.
      const initialise = async () => (await tf.setBackend(name)) && (await tf.ready(), true);
      if (await (name === 'wasm' ? withoutAddedFatalHandlers(initialise) : initialise())) {
        log(`tfjs backend: ${tf.getBackend()}`);
        return tf.getBackend();
      }
      failures.push(`${name} (initialisation failed)`);
    } catch (e) {
      failures.push(`${name} (${(e as Error).message})`);
    }
  }
  throw new Error(`no usable tfjs backend for "${preferred}": ${failures.join('; ')}`);
}
