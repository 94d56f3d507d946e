/** What the `internal-coordinates` transform plugin creates: a Z-matrix from options or from the topology's bonds. */
import type { PluginContext } from '../../plugin.js';
import type { InternalCoordinatesPluginOptions } from '../../molecular-transform-plugins.js';
import { InputError } from '../../errors.js';
import { validateZMatrix } from './z-matrix.js';
import { buildZMatrix } from './z-matrix-from-bonds.js';
import { createInternalCoordinateTransform, type InternalCoordinateTransform } from './internal-coordinates.js';
import { molecularForceField } from './molecular-context.js';

/** The transform of the `internal-coordinates` plugin (its descriptor is in core's main entry). */
export function internalCoordinatesFromOptions(
  options: InternalCoordinatesPluginOptions,
  context: PluginContext,
): InternalCoordinateTransform {
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
  const t = createInternalCoordinateTransform({ nAtoms, zMatrix, topology, fused: context.fusedKernels });
  const { origin, axis, plane } = t.anchors;
  context.log(
    `internal-coordinates: ${options.zMatrix ? 'given' : 'automatic'} Z-matrix, frame atoms ${origin}, ${axis}, ${plane}; ${t.inputDimension} coordinates, ${nAtoms - 3} circular torsions`,
  );
  return t;
}
