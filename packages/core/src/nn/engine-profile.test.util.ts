import * as tf from '@embedcg/core/tf';
import { setDirectKernelsEnabled } from './direct-kernels.js';

/**
 * tf.profile with direct kernel calls switched off: the profiler sees only what the engine
 * dispatches, and fused ops call their kernels directly wherever no tape records.
 */
export async function engineProfile(f: () => tf.TensorContainer): ReturnType<typeof tf.profile> {
  setDirectKernelsEnabled(false);
  try {
    return await tf.profile(f);
  } finally {
    setDirectKernelsEnabled(true);
  }
}
