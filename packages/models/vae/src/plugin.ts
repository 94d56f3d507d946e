/** The `vae` model plugin descriptor. */
import { createRequire } from 'node:module';
import { API_VERSION, defineModel, modelDimension, referenceInModelSpace, type PluginContext } from '@embedcg/core';
import {
  RETIRED_OPTIONS,
  optionsSchema,
  resolveOptionDependencies,
  type VaeOptions,
  type VaeOptionsInput,
} from './options.js';
import { VaeModel } from './vae-model.js';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export const vaePlugin = defineModel<VaeOptionsInput>({
  name: 'vae',
  version: pkg.version,
  apiVersion: API_VERSION,
  description: 'VAE-style CG model: latent CVs z ~ N(0, I), Gaussian MLP decoder, recognition model (Schöberl et al.)',
  optionsSchema,
  // After the schema: the encoder activations follow the layer count, and the cross-field rules.
  resolveOptions: (options) => resolveOptionDependencies(options as VaeOptions),
  retiredOptions: RETIRED_OPTIONS,
  create(options, context) {
    const dimension = modelDimension(context, 'vae');
    const outputMean = options.outputMean === undefined ? referenceMean(context, dimension) : undefined;
    // scaleByKind reads the kinds of the coordinates off the names the transform gives them.
    const coordinateNames = (context.transform as { names?: readonly string[] } | undefined)?.names;
    // circular: 'auto' takes the transform's flags (the internal-coordinates transform has them).
    const circular = (context.transform as { circular?: unknown } | undefined)?.circular;
    const model = new VaeModel(options, {
      dimension,
      seed: context.seed,
      fused: context.fusedKernels !== false,
      ...(outputMean ? { outputMean } : {}),
      ...(coordinateNames ? { coordinateNames } : {}),
      ...(context.transform ? { transformName: context.transform.name } : {}),
      ...(circular instanceof Uint8Array ? { circular } : {}),
    });
    for (const line of describe(model, coordinateNames, context)) context.log(line);
    return model;
  },
});

/** The force field's initial positions in model space, when it has them. */
function referenceMean(context: PluginContext, dimension: number): Float64Array | undefined {
  const outputMean = referenceInModelSpace(context);
  if (outputMean && outputMean.length !== dimension) {
    throw new RangeError(
      `vae model: the reference structure from the force field has ${outputMean.length} coordinates in model space, ` +
        `but the model dimension is ${dimension}`,
    );
  }
  if (outputMean)
    context.log(
      `vae: decoder centred on the force field's initial positions${context.transform ? ` (through transform ${context.transform.name})` : ''}`,
    );
  return outputMean;
}

/** Log lines saying what the options resolved to on this run. */
function describe(model: VaeModel, names: readonly string[] | undefined, context: PluginContext): string[] {
  const named = (i: number) => (names?.[i] ? `${i} (${names[i]})` : `${i}`);
  const o = model.options;
  const lines: string[] = [];
  if (model.rotors.length > 0)
    lines.push(
      `vae: three-fold rotor torsions ${model.rotors.map(named).join(', ')}; the encoder ${o.rotorEncoder === 'hidden' ? 'does not see them' : 'sees them'}`,
    );
  if (model.decoderStdCap)
    lines.push(
      `vae: decoder σ capped at ${model.decoderStdCap.max} for ${model.decoderStdCap.indices.map(named).join(', ')}`,
    );
  if (model.latentSkip) {
    const d = model.latentDimension;
    const paths = model.latentSkip.indices.map((i, k) => `z${(k % d) + 1} → ${named(i)}`).join(', ');
    lines.push(`vae: linear latent path, initial slope ${model.latentSkip.slope} per unit of z: ${paths}`);
  }
  if (model.priorMixture) {
    const m = model.priorMixture.options;
    const decoder = m.componentDecoder ? '; the decoder sees the component, the encoder guesses it' : '';
    const weights =
      m.balance > 0
        ? `training draws pick components from ${1 - m.balance}·π + ${m.balance}/K and weight them back`
        : 'the trainer moves the weights by the score-function gradient';
    lines.push(
      `vae: prior over z is a learnable mixture of ${m.components} Gaussians (centres ~ N(0, ${m.spread}²), width ${m.std})${decoder}; ${weights}`,
    );
  }
  if (model.circular.length > 0)
    lines.push(
      `vae: ${model.circular.length} circular coordinates (the encoder sees their difference to the reference wrapped into [−π, π))`,
    );
  if (o.scaleByKind && !o.outputScales) {
    const k = o.scaleByKind;
    lines.push(
      `vae: output scales by kind (bond ${k.bond}, angle ${k.angle}, torsion ${k.torsion}${k.backbone !== undefined ? `, φ/ψ ${k.backbone}` : ''}) over the ${model.dimension} coordinates of transform ${context.transform?.name}`,
    );
  }
  return lines;
}
