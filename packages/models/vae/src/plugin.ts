/** The `vae` model plugin descriptor. */
import { createRequire } from 'node:module';
import { API_VERSION, defineModel, modelDimension, referenceInModelSpace } from '@embedcg/core';
import { optionsSchema, type VaeOptionsInput } from './options.js';
import { VaeModel } from './vae-model.js';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export const vaePlugin = defineModel<VaeOptionsInput>({
  name: 'vae',
  version: pkg.version,
  apiVersion: API_VERSION,
  description: 'VAE-style CG model: latent CVs z ~ N(0, I), Gaussian MLP decoder, recognition model (Schöberl et al.)',
  optionsSchema,
  create(options, context) {
    const dimension = modelDimension(context, 'vae');
    let outputMean: Float64Array | undefined;
    if (options.outputMean === undefined) {
      outputMean = referenceInModelSpace(context);
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
    }
    // scaleByKind reads the kinds of the coordinates off the names the transform gives them.
    const coordinateNames = (context.transform as { names?: readonly string[] } | undefined)?.names;
    // circular: 'auto' takes the transform's flags (the internal-coordinates transform has them).
    const circular = (context.transform as { circular?: unknown } | undefined)?.circular;
    const model = new VaeModel(options, {
      dimension,
      seed: context.seed,
      ...(outputMean ? { outputMean } : {}),
      ...(coordinateNames ? { coordinateNames } : {}),
      ...(context.transform ? { transformName: context.transform.name } : {}),
      ...(circular instanceof Uint8Array ? { circular } : {}),
    });
    if (model.rotors.length > 0) {
      const named = model.rotors
        .map((i) => (coordinateNames?.[i] ? `${i} (${coordinateNames[i]})` : `${i}`))
        .join(', ');
      context.log(
        `vae: three-fold rotor torsions ${named}; the encoder ${model.options.rotorEncoder === 'hidden' ? 'does not see them' : 'sees them'}`,
      );
    }
    if (model.decoderStdCap) {
      const named = model.decoderStdCap.indices
        .map((i) => (coordinateNames?.[i] ? `${i} (${coordinateNames[i]})` : `${i}`))
        .join(', ');
      context.log(`vae: decoder σ capped at ${model.decoderStdCap.max} for ${named}`);
    }
    if (model.latentSkip) {
      const d = model.latentDimension;
      const named = model.latentSkip.indices
        .map((i, k) => `z${(k % d) + 1} → ${coordinateNames?.[i] ? `${i} (${coordinateNames[i]})` : `${i}`}`)
        .join(', ');
      context.log(
        `vae: linear latent path, initial slope ${model.latentSkip.slope} per unit of z: ${named}${model.options.encoderSkip ? ' (and its inverse in the encoder)' : ''}`,
      );
    }
    if (model.priorMixture) {
      const m = model.priorMixture.options;
      const centres =
        m.centres === 'even' ? `centres evenly spread (Halton), spread ${m.spread}` : `centres ~ N(0, ${m.spread}²)`;
      const decoder = m.componentDecoder ? '; the decoder sees the component, the encoder guesses it' : '';
      const weights =
        m.balance > 0
          ? `training draws pick components from ${1 - m.balance}·π + ${m.balance}/K and weight them back`
          : 'the trainer moves the weights by the score-function gradient';
      context.log(
        `vae: prior over z is a learnable mixture of ${m.components} Gaussians (${centres}, width ${m.std})${decoder}; ${weights}`,
      );
    }
    if (model.circular.length > 0)
      context.log(
        `vae: ${model.circular.length} circular coordinates (the encoder sees ${model.options.encoderAngles === 'trig' ? 'their cosine and sine' : 'their difference to the reference wrapped into [−π, π)'})`,
      );
    if (options.scaleByKind && !options.outputScales) {
      const k = options.scaleByKind;
      context.log(
        `vae: output scales by kind (bond ${k.bond}, angle ${k.angle}, torsion ${k.torsion}${k.backbone !== undefined ? `, φ/ψ ${k.backbone}` : ''}) over the ${dimension} coordinates of transform ${context.transform?.name}`,
      );
    }
    return model;
  },
});
