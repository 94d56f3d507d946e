import type { JSONSchema } from '../plugin.js';

/**
 * The run-config key that picks the fast or the plain numerical path of models and transforms.
 * With `training.fusedKernels` (default true) a model or transform runs its fused ops: one tfjs op
 * with a hand-written gradient, computed in typed-array loops (the internal-coordinates map, the
 * rational-quadratic splines, column copies), in place of compositions of many small tfjs ops
 * whose dispatch dominates a training step on the cpu/wasm backends; the networks' tanh, softplus,
 * logsigmoid and selu run as WebAssembly SIMD kernels (nn/simd/); and the trainer's optimizer step
 * runs on the host (training/host-adam.ts). The float rounding differs, so seeded results differ
 * from the unfused path; `false` runs the unfused path, whose results stay bit-identical to those of
 * the code before the fused ops existed. A run whose config.json predates the key resumes and
 * evaluates unfused (RunFolder.readConfig).
 */
export const fusedKernelsProperty = {
  fusedKernels: {
    type: 'boolean',
    default: true,
    description:
      'models and transforms use their fused ops (one op with a hand-written gradient, computed in typed-array loops, and WebAssembly SIMD kernels for the activations) instead of compositions of small tfjs ops, and the optimizer step runs on the host: faster, with other float rounding. false runs the unfused path',
  },
} as const;

/** `training.workers`: data-parallel gradient workers (training/parallel/). */
export const workersSchema: JSONSchema = {
  type: 'integer',
  minimum: 1,
  maximum: 64,
  description:
    "data-parallel gradient workers (worker threads, each with its own tfjs and force field) sharing each reverse-KL step's batch; " +
    'absent or 1: the single-thread path. Deterministic for a given count; another count draws from other random streams, so its numbers differ as another seed’s would',
};

/** The training settings that choose how fast a step runs, not what it computes. */
export interface SpeedSettings {
  /** Models and transforms run their fused ops; false: the unfused path. */
  fusedKernels: boolean;
  /** Data-parallel gradient workers of reverse-KL steps (absent: 1, the single-thread path). */
  workers?: number;
}

/** The training keys that choose how fast a step runs, not what it computes. */
export const speedProperties = { ...fusedKernelsProperty, workers: workersSchema } as const;
