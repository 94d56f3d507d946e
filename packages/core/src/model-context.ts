/** What model plugins read from the run context: their dimension and a reference structure. */
import type { PluginContext } from './plugin.js';

/** The model's dimension: given, else the transform's input, else the force field's dimension. */
export function modelDimension(
  context: Pick<PluginContext, 'modelDimension' | 'transform' | 'forceField'>,
  plugin: string,
): number {
  const D = context.modelDimension ?? context.transform?.inputDimension ?? context.forceField?.dimension;
  if (D === undefined)
    throw new Error(
      `${plugin} model: the run gives no model dimension (no modelDimension, transform or force field in the plugin context)`,
    );
  return D;
}

/**
 * The force field's initial positions in model space (through the transform's inverse when the run
 * has one), for models that centre their output on a reference structure. Undefined without one.
 */
export function referenceInModelSpace(
  context: Pick<PluginContext, 'forceField' | 'transform'>,
): Float64Array | undefined {
  const x0 = context.forceField?.initialPositions;
  if (!x0) return undefined;
  return context.transform ? context.transform.inverse64(Float64Array.from(x0), 1).y : Float64Array.from(x0);
}

/**
 * A per-coordinate vector given to a model (reference structure, scales): exactly `dimension`
 * finite numbers, copied to Float64. `label` starts the error, e.g. "flow model: outputMean".
 */
export function modelVector(values: ArrayLike<unknown>, dimension: number, label: string): Float64Array {
  if (values.length !== dimension)
    throw new RangeError(`${label} has ${values.length} entries, expected the model dimension ${dimension}`);
  const bad = Array.prototype.findIndex.call(values, (v: unknown) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${label}[${bad}] is not a finite number (${String(values[bad])})`);
  return Float64Array.from(values as ArrayLike<number>);
}
