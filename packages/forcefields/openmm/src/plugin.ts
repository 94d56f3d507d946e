/**
 * The `openmm` force-field plugin descriptor: config options → createOpenMMForceField.
 */
import { API_VERSION, defineForceField } from '@embedcg/core';
import { createOpenMMForceField, type OpenMMForceFieldOptions } from './force-field.js';
import { VERSION } from './version.js';

export const openmmOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    prmtop: { type: 'string', description: 'AMBER prmtop file (relative to the config folder)' },
    system: { type: 'string', description: 'serialized OpenMM System XML' },
    systemJson: { type: 'string', description: 'embedcg system.json (from `embedcg prepare`)' },
    pdb: { type: 'string', description: 'PDB file: topology and positions' },
    forcefield: {
      type: 'array',
      items: { type: 'string' },
      description: 'OpenMM force-field XML names, e.g. ["amber96.xml", "amber96_obc.xml"]',
    },
    coordinates: { type: 'string', description: 'starting coordinates (.inpcrd/.rst7, .pdb or State .xml)' },
    solvent: { enum: ['vacuum', 'obc1', 'obc2'], default: 'vacuum', description: 'implicit solvent of a prmtop' },
    platform: { enum: ['Reference', 'CPU', 'CUDA', 'OpenCL'], default: 'Reference' },
    processes: { type: 'integer', minimum: 1, default: 1, description: 'Python processes evaluating in parallel' },
    timeoutMs: { type: 'integer', minimum: 1, default: 120000, description: 'timeout of one request to one process' },
    maxBatch: { type: 'integer', minimum: 1, default: 4096, description: 'most configurations per request' },
    python: {
      type: 'string',
      description: 'Python interpreter with OpenMM (default /usr/bin/python3, then python3 on PATH)',
    },
  },
} as const;

export type OpenMMPluginOptions = Omit<OpenMMForceFieldOptions, 'coordinates' | 'log' | 'baseDir'> & {
  coordinates?: string;
};

export const openmmForceFieldPlugin = defineForceField<OpenMMPluginOptions>({
  name: 'openmm',
  version: VERSION,
  apiVersion: API_VERSION,
  description: 'OpenMM (AMBER prmtop, force-field XML, System XML or system.json) in a pool of Python processes',
  optionsSchema: openmmOptionsSchema,
  create: (options, context) => createOpenMMForceField({ ...options, baseDir: context.configDir, log: context.log }),
});
