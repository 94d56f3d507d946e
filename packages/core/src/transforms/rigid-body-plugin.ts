/** The `rigid-body` transform plugin: anchors from options, or N/CA/C found in the topology. */
import { API_VERSION, defineTransform } from '../plugin.js';
import { InputError } from '../errors.js';
import { CORE_VERSION } from '../version.js';
import { backboneAnchors, createRigidBodyTransform } from './rigid-body.js';
import { molecularForceField } from './molecular-context.js';

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
  create(options, context) {
    const { ff, nAtoms } = molecularForceField(context, 'rigid-body');
    let { origin, axis, plane } = options;
    if (origin === undefined || axis === undefined || plane === undefined) {
      const found = ff.topology ? backboneAnchors(ff.topology) : undefined;
      if (!found) {
        throw new InputError(
          "rigid-body transform: options origin, axis and plane are required when the force field's topology has no residue with atoms named N, CA and C",
        );
      }
      origin ??= found.origin;
      axis ??= found.axis;
      plane ??= found.plane;
      context.log(`rigid-body: origin atom ${origin}, axis atom ${axis}, plane atom ${plane}`);
    }
    return createRigidBodyTransform({ nAtoms, origin, axis, plane });
  },
});
