/**
 * Building the parts of a VAE model from resolved options: output space, decoder network, encoder,
 * decoder density and prior. The order of creation fixes which random numbers each weight gets,
 * and the order of {@link VaeParts.variables} is the order checkpoints store: keep both stable.
 */
import type * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { resolveCoordinates, resolveStdMax, type StdCap } from './coordinates.js';
import { GaussianDensity, type DecoderDensity } from './decoder-density.js';
import { DecoderNetwork, type LatentSkipResolved } from './decoder-network.js';
import { Encoder } from './encoder.js';
import { ConditionalSplineFlow, FlowDensity } from './flow-decoder.js';
import { StandardNormalPrior, type LatentPrior } from './latent-prior.js';
import type { VaeOptions } from './options.js';
import { OutputSpace, type OutputContext } from './output-space.js';
import { PriorMixture } from './prior-mixture.js';
import { RotorDensity } from './rotor-density.js';
import { resolveRotors } from './rotor-symmetry.js';

/** What the parts take from the run besides the options (see VaeContext). */
export interface PartsContext extends OutputContext {
  seed: number;
  /** Activations as SIMD kernels (default true; `training.fusedKernels`). */
  fused?: boolean;
}

export interface VaeParts {
  space: OutputSpace;
  /** Model-space indices of the three-fold rotor torsions (sorted). */
  rotors: readonly number[];
  cap: StdCap | undefined;
  skip: LatentSkipResolved | undefined;
  decoder: DecoderNetwork;
  encoder: Encoder;
  density: DecoderDensity;
  prior: LatentPrior;
  mixture: PriorMixture | undefined;
  /** Every trainable variable, in the order checkpoints have always stored them. */
  variables: tf.Variable[];
}

// The trainer typically seeds its sampling Rng with the run seed too; a derived seed keeps the
// initial weights from being the same random stream as the first batch's noise.
const WEIGHT_SEED_SALT = 0x5ae1c0de;

export function buildParts(o: VaeOptions, context: PartsContext): VaeParts {
  const D = context.dimension;
  const space = new OutputSpace(o, context);
  const made: Array<{ dispose(): void }> = [space];
  try {
    if (!Number.isFinite(context.seed))
      throw new RangeError(`vae model: seed must be a finite number, got ${context.seed}`);
    const rotors = Object.freeze(resolveRotors(o.rotorSymmetry, context.coordinateNames, D, context.transformName));
    const cap = resolveStdMax(o.decoderStdMax, space.scales, context);
    const skip =
      o.latentSkip &&
      Object.freeze({
        indices: Object.freeze(resolveCoordinates('latentSkip', o.latentSkip.coordinates, D, context)),
        slope: o.latentSkip.slope,
      });
    const rng = createRng((Math.floor(context.seed) ^ WEIGHT_SEED_SALT) >>> 0);
    const fused = context.fused ?? true;
    const decoder = new DecoderNetwork(o, rng, D, space.scales, cap, skip, fused);
    made.push(decoder);
    const encoder = new Encoder(
      o.scope,
      rng,
      D,
      o.latentDim,
      o.encoderHidden,
      o.encoderActivations,
      [...(o.rotorEncoder === 'hidden' ? rotors : [])],
      fused,
    );
    made.push(encoder);
    // Created last from `rng`, so the Gaussian decoder and the encoder get the same initial weights
    // with and without a flow decoder (and the zero-initialised flow is the identity).
    const wrap = space.wrap.bind(space);
    const density: DecoderDensity = o.decoderFlow
      ? new FlowDensity(new ConditionalSplineFlow(`${o.scope}/decoder`, rng, D, o.latentDim, o.decoderFlow, fused), D)
      : rotors.length > 0
        ? new RotorDensity(rotors, space.scales, o.decoderVariance === 'shared', wrap, fused)
        : new GaussianDensity(D, wrap);
    made.push(density);
    // After everything else and from its own stream: the networks keep their initial weights.
    const widths = { decoderFirst: o.decoderHidden[0] ?? D, encoderLast: o.encoderHidden.at(-1) ?? D, output: D };
    const mixture =
      o.priorMixture && new PriorMixture(o.scope, context.seed, o.latentDim, o.priorMixture, widths, fused);
    const prior = mixture ?? new StandardNormalPrior();
    const variables = [
      ...decoder.variables(),
      ...encoder.variables(),
      ...decoder.skipVariables(),
      ...density.variables(),
      ...prior.variables(),
    ];
    return { space, rotors, cap, skip, decoder, encoder, density, prior, mixture, variables };
  } catch (e) {
    for (const part of made.reverse()) part.dispose();
    throw e;
  }
}
