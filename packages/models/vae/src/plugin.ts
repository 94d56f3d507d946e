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
      if (outputMean) context.log(`vae: decoder centred on the force field's initial positions${context.transform ? ` (through transform ${context.transform.name})` : ''}`);
    }
    return new VaeModel(options, { dimension, seed: context.seed, ...(outputMean ? { outputMean } : {}) });
  },
});
