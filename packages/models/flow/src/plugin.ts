/** The `flow` model plugin descriptor. */
import { createRequire } from 'node:module';
import { API_VERSION, defineModel, modelDimension, referenceInModelSpace } from '@embedcg/core';
import { scalesByKind as coreScalesByKind } from '@embedcg/core/molecules';
import type { PluginContext } from '@embedcg/core';
import type { ScalesByKind } from '@embedcg/core/molecules';
import { optionsSchema, resolveFlowOptionRules, type FlowOptions } from './options.js';
import { FlowModel } from './flow-model.js';
import { StructuredFlowModel } from './structured-flow.js';
import { structuredOptionsSchema, type StructuredFlowOptions } from './structured-options.js';
import { SlowFastFlowModel } from './slow-fast-flow.js';
import { resolveSlowPreset, slowFastOptionsSchema, type SlowFastOptions } from './slow-fast-options.js';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** The names the run's transform gives its coordinates ("bond …", "torsion A-B-C-D"), when it names them. */
function transformNames(context: Pick<PluginContext, 'transform'>): readonly string[] | undefined {
  return (context.transform as { names?: readonly string[] } | undefined)?.names;
}

/** Per-dimension scales from the kinds the transform names its coordinates by ("bond …", "angle …", "torsion …"). */
export function scalesByKind(
  kinds: ScalesByKind,
  context: Pick<PluginContext, 'transform'>,
  dimension: number,
): Float64Array {
  return coreScalesByKind(kinds, transformNames(context), dimension, {
    who: 'flow model',
    transformName: context.transform?.name,
  });
}

/** The circular flags of the run's transform, for `circular: 'auto'` (the internal-coordinates transform has them). */
export function circularFlags(context: Pick<PluginContext, 'transform'>, dimension: number): Uint8Array {
  const flags = (context.transform as { circular?: unknown } | undefined)?.circular;
  if (!(flags instanceof Uint8Array) || flags.length !== dimension) {
    throw new RangeError(
      `flow model: option circular 'auto' needs a transform that flags which of its ${dimension} coordinates are angles ` +
        `(the internal-coordinates transform); this run's transform is ${context.transform ? `"${context.transform.name}"` : 'absent'}. ` +
        "Use circular: 'none', or list the angle indices.",
    );
  }
  return flags;
}

/**
 * The force field's reference structure in model space, the default `outputMean` of every model
 * here (undefined when the config gives one or the force field has none).
 */
function defaultOutputMean(
  options: { outputMean?: unknown },
  context: PluginContext,
  dimension: number,
  model: string,
): Float64Array | undefined {
  if (options.outputMean !== undefined) return undefined;
  const mean = referenceInModelSpace(context);
  if (mean && mean.length !== dimension) {
    throw new RangeError(
      `${model} model: the force field's reference structure has ${mean.length} coordinates in model space, but the model dimension is ${dimension}`,
    );
  }
  if (mean)
    context.log(
      `${model}: centred on the force field's initial positions${context.transform ? ` (through transform ${context.transform.name})` : ''}`,
    );
  return mean;
}

export const flowPlugin = defineModel<Partial<FlowOptions>>({
  name: 'flow',
  version: pkg.version,
  apiVersion: API_VERSION,
  description:
    'exact-density coupling flow (rational-quadratic spline or affine couplings, circular splines for torsions) on a Gaussian or truncated-normal base',
  optionsSchema,
  // The rules that span fields, so `embedcg config` refuses what `train` refuses.
  resolveOptions: (options) => resolveFlowOptionRules(options as FlowOptions),
  create(options, context) {
    const dimension = modelDimension(context, 'flow');
    const outputMean = defaultOutputMean(options, context, dimension, 'flow');
    const outputScales =
      options.scaleByKind && !options.outputScales ? scalesByKind(options.scaleByKind, context, dimension) : undefined;
    const circular = options.circular === 'auto' ? circularFlags(context, dimension) : undefined;
    // Presets name the torsions by their atoms, so configs need no Z-matrix indices.
    if (options.circular === 'phi-psi' || options.circular === 'phi-psi-methyls') {
      options = {
        ...options,
        circular: resolveSlowPreset(options.circular, transformNames(context), 'flow model: option circular').sort(
          (a, b) => a - b,
        ),
      };
    }
    const model = new FlowModel(options, {
      dimension,
      seed: context.seed,
      fused: context.fusedKernels !== false,
      ...(outputMean ? { outputMean } : {}),
      ...(outputScales ? { outputScales } : {}),
      ...(circular ? { circular } : {}),
    });
    if (model.circular.length > 0)
      context.log(
        `flow: ${model.circular.length} circular coordinates (uniform base on [−π, π), circular spline couplings)`,
      );
    return model;
  },
});

export const structuredFlowPlugin = defineModel<Partial<StructuredFlowOptions>>({
  name: 'structured-flow',
  version: pkg.version,
  apiVersion: API_VERSION,
  description:
    'The structured flow of Stupp & Koutsourelakis: slow latent CVs from a spline flow, Gaussian fast coordinates given them, learnable invertible linear map',
  optionsSchema: structuredOptionsSchema,
  create(options, context) {
    const dimension = modelDimension(context, 'structured-flow');
    const outputMean = defaultOutputMean(options, context, dimension, 'structured-flow');
    return new StructuredFlowModel(options, {
      dimension,
      seed: context.seed,
      fused: context.fusedKernels !== false,
      ...(outputMean ? { outputMean } : {}),
    });
  },
});

export const slowFastFlowPlugin = defineModel<Partial<SlowFastOptions>>({
  name: 'slow-fast-flow',
  version: pkg.version,
  apiVersion: API_VERSION,
  description:
    'spline flow over a few slow coordinates (φ, ψ, methyl rotors; circular splines for torsions) and a Gaussian over the fast rest given them',
  optionsSchema: slowFastOptionsSchema,
  create(options, context) {
    const dimension = modelDimension(context, 'slow-fast-flow');
    const outputMean = defaultOutputMean(options, context, dimension, 'slow-fast-flow');
    const outputScales =
      options.scaleByKind && !options.outputScales ? scalesByKind(options.scaleByKind, context, dimension) : undefined;
    const circular = (options.circular ?? 'auto') === 'auto' ? circularFlags(context, dimension) : undefined;
    const names = transformNames(context);
    const model = new SlowFastFlowModel(options, {
      dimension,
      seed: context.seed,
      fused: context.fusedKernels !== false,
      ...(outputMean ? { outputMean } : {}),
      ...(outputScales ? { outputScales } : {}),
      ...(circular ? { circular } : {}),
      ...(names && names.length === dimension ? { names } : {}),
    });
    context.log(
      `slow-fast-flow: slow coordinates ${model.slowIndices.map((i) => (names?.[i] ? `${i} (${names[i]})` : `${i}`)).join(', ')}; ` +
        `${model.fastIndices.length} fast coordinates, Gaussian given the slow ones`,
    );
    return model;
  },
});
