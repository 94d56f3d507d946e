/** `training.workers`: data-parallel gradient workers (training/parallel/). */
import type { JSONSchema } from '../plugin.js';

export const workersSchema: JSONSchema = {
  type: 'integer',
  minimum: 1,
  maximum: 64,
  description:
    "data-parallel gradient workers (worker threads, each with its own tfjs and force field) sharing each reverse-KL step's batch; " +
    'absent or 1: the single-thread path. Deterministic for a given count; another count draws from other random streams, so its numbers differ as another seed’s would',
};
