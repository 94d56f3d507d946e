/** What a VAE model stores about itself: enough options to rebuild it without the run's transform. */
import type { ModelMetadata } from '@embedcg/core';
import type { DecoderFlowOptions } from './flow-decoder.js';
import { LOG_VARIANCE_RANGE } from './log-variance.js';
import type { PriorMixtureOptions } from './prior-mixture.js';
import type { VaeModel } from './vae-model.js';

/** `skipOnly`: the decoder keeps its MLP off the skip coordinates (and `bounded`: within latentSkipMlpRange). */
export function vaeMetadata(model: VaeModel, skipOnly: { bounded: boolean } | undefined): ModelMetadata {
  const o = model.options;
  const cap = model.decoderStdCap;
  return {
    plugin: 'vae',
    dimension: model.dimension,
    latentDimension: model.latentDimension,
    exactDensity: false,
    logVarianceRange: [...LOG_VARIANCE_RANGE],
    options: {
      latentDim: o.latentDim,
      decoderHidden: [...o.decoderHidden],
      decoderActivation: o.decoderActivation,
      decoderVariance: o.decoderVariance,
      initialLogVariance: o.initialLogVariance,
      encoderHidden: [...o.encoderHidden],
      encoderActivations: [...o.encoderActivations],
      outputScale: o.outputScale,
      ...(model.circular.length > 0 ? { circular: [...model.circular] } : {}),
      // Resolved indices, so a saved model rebuilds without the transform's names.
      ...(model.rotors.length > 0 ? { rotorSymmetry: [...model.rotors], rotorEncoder: o.rotorEncoder } : {}),
      ...(model.latentSkip
        ? { latentSkip: { coordinates: [...model.latentSkip.indices], slope: model.latentSkip.slope } }
        : {}),
      ...(skipOnly ? { latentSkipOnly: true } : {}),
      ...(skipOnly?.bounded ? { latentSkipMlpRange: o.latentSkipMlpRange } : {}),
      ...(o.priorMixture ? { priorMixture: mixtureMetadata(o.priorMixture) } : {}),
      ...(cap ? { decoderStdMax: { coordinates: [...cap.indices], max: cap.max } } : {}),
      // The resolved scales (from outputScales or scaleByKind) whenever they are not all outputScale,
      // so that a saved model rebuilds without the transform that named its coordinates.
      ...(model.outputScales.some((v) => v !== o.outputScale) ? { outputScales: Array.from(model.outputScales) } : {}),
      finalLayerScale: o.finalLayerScale,
      scope: o.scope,
      ...(o.decoderFlow ? { decoderFlow: flowMetadata(o.decoderFlow) } : {}),
      ...(model.outputMean ? { outputMean: Array.from(model.outputMean) } : {}),
    },
  };
}

// Fields in a fixed order, whatever order the config gave them in: the metadata is stored with the weights.
function mixtureMetadata(m: PriorMixtureOptions): PriorMixtureOptions {
  const { components, spread, std, componentDecoder, balance, scan } = m;
  const fixed = { components, spread, std, componentDecoder, balance };
  if (!scan) return fixed;
  return { ...fixed, scan: { candidates: scan.candidates, spread: scan.spread, radius: scan.radius, keep: scan.keep } };
}

function flowMetadata(f: DecoderFlowOptions): DecoderFlowOptions {
  return { layers: f.layers, bins: f.bins, bound: f.bound, hidden: [...f.hidden] };
}
