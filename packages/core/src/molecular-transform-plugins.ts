/**
 * The molecular transforms core provides, as plugin descriptors. A descriptor's identity and
 * options schema live here, so that `embedcg plugins`, `embedcg schema` and option checks work from
 * core's main entry; its code lives in the molecules entry (`@embedcg/core/molecules`), which
 * `create` imports when a run asks for the transform, so core's main entry loads no molecular code.
 */
import { API_VERSION, defineTransform } from './plugin.js';
import { CORE_VERSION } from './version.js';

export interface RigidBodyPluginOptions {
  /** Atom placed at the origin (default: N of the first residue with N, CA, C). */
  origin?: number;
  /** Atom placed on the +x axis (default: that residue's CA). */
  axis?: number;
  /** Atom placed in the xy plane, y > 0 (default: that residue's C). */
  plane?: number;
}

export const rigidBodyPlugin = defineTransform<RigidBodyPluginOptions>({
  name: 'rigid-body',
  version: CORE_VERSION,
  apiVersion: API_VERSION,
  description:
    'Removes rigid-body motion: 3 anchor atoms fix 6 coordinates (origin, axis, plane); D → D − 6, log|det J| = 0',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      origin: {
        type: 'integer',
        minimum: 0,
        description: 'zero-based index of the atom at the origin (default: backbone N)',
      },
      axis: {
        type: 'integer',
        minimum: 0,
        description: 'zero-based index of the atom on the +x axis (default: backbone CA)',
      },
      plane: {
        type: 'integer',
        minimum: 0,
        description: 'zero-based index of the atom in the xy plane (default: backbone C)',
      },
    },
  },
  async create(options, context) {
    const { rigidBodyFromOptions } = await import('./molecules/transforms/rigid-body-plugin.js');
    return rigidBodyFromOptions(options, context);
  },
});

export interface InternalCoordinatesPluginOptions {
  /**
   * Rows [atom, bondedTo, angleRef, torsionRef] in build order, one per atom; rows 0–2 (the frame)
   * list only the references they have. Default: built from the topology's bonds.
   */
  zMatrix?: number[][];
}

export const internalCoordinatesPlugin = defineTransform<InternalCoordinatesPluginOptions>({
  name: 'internal-coordinates',
  version: CORE_VERSION,
  apiVersion: API_VERSION,
  description:
    'Z-matrix internal coordinates: bonds, angles, circular torsions (3N − 6) with the exact log|det J|; frame of 3 anchor atoms',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      zMatrix: {
        type: 'array',
        minItems: 3,
        items: { type: 'array', minItems: 1, maxItems: 4, items: { type: 'integer', minimum: -1 } },
        description:
          'rows [atom, bondedTo, angleRef, torsionRef] (zero-based) in build order, one per atom; rows 0-2 give only the references they have (default: built from the topology bonds)',
      },
    },
  },
  async create(options, context) {
    const { internalCoordinatesFromOptions } = await import('./molecules/transforms/z-matrix-plugin.js');
    return internalCoordinatesFromOptions(options, context);
  },
});
