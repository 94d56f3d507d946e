/** What the `rigid-body` transform plugin creates: anchors from options, or N/CA/C found in the topology. */
import type { PluginContext } from '../../plugin.js';
import type { CoordinateTransform } from '../../contracts/transform.js';
import type { RigidBodyPluginOptions } from '../../molecular-transform-plugins.js';
import { InputError } from '../../errors.js';
import { backboneAnchors, createRigidBodyTransform } from './rigid-body.js';
import { molecularForceField } from './molecular-context.js';

/** The transform of the `rigid-body` plugin (its descriptor is in core's main entry). */
export function rigidBodyFromOptions(options: RigidBodyPluginOptions, context: PluginContext): CoordinateTransform {
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
}
