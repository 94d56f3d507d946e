// Per-kernel timing of TensorFlow.js work, for the train-profile bench. It wraps the engine's
// runKernelFunc (every op, every gradient op and every customGrad passes through it), so each
// kernel's time includes the engine's own bookkeeping around the backend call (tape node, tensor
// records, scopes): that bookkeeping, not the arithmetic, is what hundreds of tiny kernels cost.
// Times are exclusive: a customGrad op's time excludes the kernels its forward function runs.
// With `stacks`, each outermost kernel is also charged to the first frame of our own packages
// (e.g. "model-flow/spline.js"), which tells which source a kernel comes from; a gradient kernel
// is charged to the source of the forward kernel whose tape node it backpropagates, marked
// "(backward)". Capturing stacks slows kernels down, so time kernel types in a pass without it.
import * as tf from '@embedcg/core/tf';

const ownFrame = /packages\/((?:models|forcefields)\/)?([\w-]+)\/dist\/([\w/.-]+\.js)/;

function sourceOf(stack) {
  for (const line of stack.split('\n').slice(2)) {
    const m = ownFrame.exec(line);
    // core/dist/tf/ is the bundled TensorFlow.js itself, not a caller.
    if (m && !(m[2] === 'core' && m[3].startsWith('tf/')))
      return `${m[1] === 'models/' ? 'model-' : ''}${m[2]}/${m[3]}`;
  }
  return 'other';
}

/** Start recording; `stop()` restores the engine and returns the tallies. */
export function startKernelProfile({ stacks = true } = {}) {
  const engine = tf.engine();
  const original = engine.runKernelFunc;
  const byKernel = new Map();
  const bySource = new Map();
  const open = []; // children time of each running kernel
  const originalTapeNode = engine.addTapeNode;
  let backwardOf; // source of the tape node being backpropagated
  let lastSource;
  let count = 0;
  const add = (map, key, ms) => {
    const r = map.get(key) ?? { count: 0, ms: 0 };
    r.count++;
    r.ms += ms;
    map.set(key, r);
  };
  engine.runKernelFunc = function (params) {
    const name = params.kernelName ?? `customGrad(${engine.state.activeScope?.name ?? ''})`;
    let source;
    if (stacks && open.length === 0)
      source = backwardOf !== undefined ? `${backwardOf} (backward)` : sourceOf(new Error().stack ?? '');
    if (open.length === 0) lastSource = source;
    open.push(0);
    const t0 = performance.now();
    try {
      return original.call(this, params);
    } finally {
      const ms = performance.now() - t0;
      const own = ms - open.pop();
      if (open.length) open[open.length - 1] += ms;
      count++;
      add(byKernel, name, own);
      if (source !== undefined) add(bySource, source, ms);
    }
  };
  if (stacks) {
    Error.stackTraceLimit = 60;
    engine.addTapeNode = function (...args) {
      originalTapeNode.apply(this, args);
      const node = engine.state.activeTape[engine.state.activeTape.length - 1];
      const from = (lastSource ?? 'other').replace(/ \(backward\)$/, '');
      const gradient = node?.gradient;
      const charged = (f) => (arg) => {
        const outer = backwardOf;
        backwardOf = from;
        try {
          return f(arg);
        } finally {
          backwardOf = outer;
        }
      };
      // Gradient functions return thunks per input, which the engine calls later.
      if (gradient)
        node.gradient = charged((dys) =>
          Object.fromEntries(Object.entries(gradient(dys)).map(([k, thunk]) => [k, charged(thunk)])),
        );
    };
  }
  return {
    stop() {
      engine.runKernelFunc = original;
      engine.addTapeNode = originalTapeNode;
      Error.stackTraceLimit = 10;
      return { count, byKernel, bySource };
    },
  };
}

/** Rows of a tally, largest time first, with shares of `totalMs` and per-step figures. */
export function tallyRows(map, totalMs, steps, top = 10) {
  const all = [...map.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const rows = all.slice(0, top).map(([name, r]) => ({
    name,
    'kernels/step': Math.round(r.count / steps),
    'ms/step': r.ms / steps,
    share: r.ms / totalMs,
  }));
  const rest = all.slice(top);
  if (rest.length)
    rows.push({
      name: `(${rest.length} others)`,
      'kernels/step': Math.round(rest.reduce((a, [, r]) => a + r.count, 0) / steps),
      'ms/step': rest.reduce((a, [, r]) => a + r.ms, 0) / steps,
      share: rest.reduce((a, [, r]) => a + r.ms, 0) / totalMs,
    });
  return rows;
}
