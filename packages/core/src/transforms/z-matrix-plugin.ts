/** The `internal-coordinates` transform plugin: a Z-matrix from options or from the topology's bonds. */
import { API_VERSION, defineTransform } from '../plugin.js';
import { InputError } from '../errors.js';
import { CORE_VERSION } from '../version.js';
import { buildZMatrix, createInternalCoordinateTransform, validateZMatrix } from './z-matrix.js';
import { molecularForceField } from './molecular-context.js';

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
  create(options, context) {
    const { ff, nAtoms } = molecularForceField(context, 'internal-coordinates');
    const topology = ff.topology?.atoms.length === nAtoms ? ff.topology : undefined;
    let zMatrix;
    if (options.zMatrix) zMatrix = validateZMatrix(options.zMatrix, nAtoms);
    else {
      if (!topology || topology.bonds.length === 0) {
        throw new InputError(
          `internal-coordinates transform: force field "${ff.name}" has no topology bonds to build a Z-matrix from; give option zMatrix`,
        );
      }
      zMatrix = buildZMatrix(topology);
    }
    const t = createInternalCoordinateTransform({ nAtoms, zMatrix, topology });
    const { origin, axis, plane } = t.anchors;
    context.log(
      `internal-coordinates: ${options.zMatrix ? 'given' : 'automatic'} Z-matrix, frame atoms ${origin}, ${axis}, ${plane}; ${t.inputDimension} coordinates, ${nAtoms - 3} circular torsions`,
    );
    return t;
  },
});
