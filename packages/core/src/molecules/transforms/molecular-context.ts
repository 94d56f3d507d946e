/** What a molecular transform plugin needs from the run: a force field with 3 coordinates per atom. */
import type { ForceField } from '../../contracts/force-field.js';
import type { PluginContext } from '../../plugin.js';
import { InputError } from '../../errors.js';

export function molecularForceField(context: PluginContext, transform: string): { ff: ForceField; nAtoms: number } {
  const ff = context.forceField;
  if (!ff) throw new InputError(`${transform} transform: needs the run's force field (it is created after it)`);
  if (ff.dimension % 3 !== 0) {
    throw new InputError(
      `${transform} transform: force field "${ff.name}" has ${ff.dimension} coordinates, not 3 per atom; it is not molecular`,
    );
  }
  return { ff, nAtoms: ff.dimension / 3 };
}
