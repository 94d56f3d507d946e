/** The `vae` model plugin descriptor. */
import { createRequire } from 'node:module';
import { API_VERSION, defineModel } from '@embedcg/core';
import type { PluginContext } from '@embedcg/core';
import { optionsSchema, type VaeOptions } from './options.js';
import { VaeModel } from './vae-model.js';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * Reference configuration from the run: the force field's initial positions, mapped into model
 * space by the transform's inverse when there is one. Undefined when the force field has none.
 */
export function outputMeanFromContext(context: Pick<PluginContext, 'forceField' | 'transform'>): Float64Array | undefined {
  const x0 = context.forceField?.initialPositions;
  if (!x0) return undefined;
  return context.transform ? context.transform.inverse64(Float64Array.from(x0), 1).y : Float64Array.from(x0);
}

function modelDimension(context: PluginContext): number {
  const D = context.modelDimension ?? context.transform?.inputDimension ?? context.forceField?.dimension;
  if (D === undefined) {
    throw new Error('vae model: the run gives no model dimension (no modelDimension, transform or force field in the plugin context)');
  }
  return D;
}

export const vaePlugin = defineModel<Partial<VaeOptions>>({
  name: 'vae',
  version: pkg.version,
  apiVersion: API_VERSION,
  description: 'VAE-style CG model: latent CVs z ~ N(0, I), Gaussian MLP decoder, recognition model (Schöberl et al.)',
  optionsSchema,
  create(options, context) {
    const dimension = modelDimension(context);
    let outputMean: Float64Array | undefined;
    if (options.outputMean === undefined) {
      outputMean = outputMeanFromContext(context);
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
