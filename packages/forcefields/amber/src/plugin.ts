/** The `amber` force-field plugin descriptor. */
import { API_VERSION, defineForceField } from '@embedcg/core';
import { createAmberForceField, type AmberForceFieldOptions } from './force-field.js';

export const PACKAGE_VERSION = '0.1.0';

/** Options as they appear in a run config (paths relative to the config's folder). */
export interface AmberPluginOptions {
  prmtop?: string;
  system?: string;
  coordinates?: string;
  solvent: 'vacuum' | 'obc1' | 'obc2';
  solventDielectric: number;
  soluteDielectric: number;
  workers?: number;
}

export const amberPlugin = defineForceField<AmberPluginOptions>({
  name: 'amber',
  version: PACKAGE_VERSION,
  apiVersion: API_VERSION,
  description:
    'Native AMBER force field (prmtop or system.json), vacuum / OBC1 / OBC2 implicit solvent, batched Float64 with worker threads',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      prmtop: { type: 'string', description: 'AMBER prmtop file (relative to the config file)' },
      system: { type: 'string', description: 'system.json exported by the OpenMM bridge' },
      coordinates: { type: 'string', description: 'inpcrd/rst7/PDB/DCD file for the initial positions' },
      solvent: { enum: ['vacuum', 'obc1', 'obc2'], default: 'obc2' },
      solventDielectric: { type: 'number', exclusiveMinimum: 0, default: 78.5 },
      soluteDielectric: { type: 'number', exclusiveMinimum: 0, default: 1.0 },
      workers: {
        type: 'integer',
        minimum: 1,
        description: 'threads for large batches (default: number of cores; 1 inside a data-parallel gradient worker)',
      },
    },
    oneOf: [{ required: ['prmtop'] }, { required: ['system'] }],
  },
  create(options, context) {
    const o: AmberForceFieldOptions = {
      solvent: options.solvent,
      solventDielectric: options.solventDielectric,
      soluteDielectric: options.soluteDielectric,
      baseDir: context.configDir,
    };
    if (options.prmtop !== undefined) o.prmtop = options.prmtop;
    if (options.system !== undefined) o.system = options.system;
    if (options.coordinates !== undefined) o.coordinates = options.coordinates;
    // A data-parallel gradient worker's share of the cores (context.threads) bounds the default pool.
    const workers = options.workers ?? context.threads;
    if (workers !== undefined) o.workers = workers;
    return createAmberForceField(o);
  },
});
