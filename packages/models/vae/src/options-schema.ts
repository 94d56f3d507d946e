/**
 * The JSON Schema of the VAE options: the one source of their types, ranges and plain defaults
 * (ajv checks a run config against it and fills the defaults; `resolveOptions` does the same for a
 * model built in code). What it cannot say is in options.ts.
 */
import { ACTIVATIONS, type JSONSchema } from '@embedcg/core';

const activation = { type: 'string', enum: [...ACTIVATIONS] };
const widths = { type: 'array', items: { type: 'integer', minimum: 1 } };

/** JSON Schema of {@link VaeOptions}, with defaults. */
export const optionsSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    latentDim: { type: 'integer', minimum: 1, default: 1, description: 'number of latent CVs' },
    decoderHidden: { ...widths, default: [100, 100, 100], description: 'decoder hidden widths' },
    decoderActivation: { ...activation, default: 'tanh' },
    decoderVariance: { type: 'string', enum: ['shared', 'head'], default: 'shared' },
    initialLogVariance: {
      type: 'number',
      minimum: -19,
      maximum: 4,
      default: -0.5,
      description: 'initial decoder log-variance, in standardised units; inside the clamp range [-20, 5]',
    },
    encoderHidden: { ...widths, default: [150, 150, 150], description: 'encoder hidden widths' },
    encoderActivations: {
      type: 'array',
      items: activation,
      description:
        'activation of each encoder hidden layer, one per layer; default selu on every layer but the last, logsigmoid on the last',
    },
    outputMean: {
      type: 'array',
      items: { type: 'number' },
      description: "reference configuration (length D); defaults to the force field's initial positions",
    },
    outputScale: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 1,
      description:
        'output scale s of every coordinate: y = outputMean + s · u (unless outputScales or scaleByKind is given)',
    },
    outputScales: {
      type: 'array',
      items: { type: 'number', exclusiveMinimum: 0 },
      minItems: 1,
      description:
        'per-dimension output scales s_i (length D, positive), instead of outputScale: y_i = outputMean_i + s_i · u_i',
    },
    scaleByKind: {
      type: 'object',
      additionalProperties: false,
      required: ['bond', 'angle', 'torsion'],
      description:
        'with a transform that names its coordinates (internal-coordinates): per-dimension output scales by kind, bonds in nm, angles and torsions in rad; instead of outputScales',
      properties: {
        bond: { type: 'number', exclusiveMinimum: 0, description: 'scale of bond lengths (nm)' },
        angle: { type: 'number', exclusiveMinimum: 0, description: 'scale of bond angles (rad)' },
        torsion: { type: 'number', exclusiveMinimum: 0, description: 'scale of torsions (rad)' },
        backbone: {
          type: 'number',
          exclusiveMinimum: 0,
          description: 'scale of the backbone torsions phi and psi (rad), instead of torsion',
        },
      },
    },
    circular: {
      default: 'auto',
      description:
        "angles on the circle (torsions), whose difference to outputMean the encoder and the densities of given configurations see wrapped into [-pi, pi): 'auto' (the transform's circular flags when it has them, else none), 'none', or model-space indices",
      oneOf: [
        { type: 'string', enum: ['auto', 'none'] },
        { type: 'array', items: { type: 'integer', minimum: 0 }, uniqueItems: true },
      ],
    },
    rotorSymmetry: {
      default: 'none',
      description:
        "three-fold rotor torsions whose decoder density is the Gaussian and its copies shifted by ±2π/3 (equal weights, on the circle): 'none', 'methyls' (every CH3's rotor torsion, from the internal-coordinates transform's names), or model-space indices",
      oneOf: [
        { type: 'string', enum: ['none', 'methyls'] },
        { type: 'array', items: { type: 'integer', minimum: 0 }, uniqueItems: true },
      ],
    },
    rotorEncoder: {
      type: 'string',
      enum: ['hidden', 'raw'],
      default: 'hidden',
      description:
        "what the encoder sees of the rotorSymmetry torsions: 'hidden' (zeros: the CVs cannot depend on them) or 'raw'",
    },
    latentSkipOnly: {
      type: 'boolean',
      default: false,
      description:
        "with latentSkip: the decoder's MLP leaves the skip coordinates alone, so their means are linear in z (plus a mixture component's offset) and a rare component keeps its place there when the shared MLP is retrained for the common ones",
    },
    latentSkipMlpRange: {
      type: 'number',
      minimum: 0,
      default: 0,
      description:
        "with latentSkipOnly: the MLP may move the skip coordinates by at most this much (their units; radians for phi/psi), as r·tanh(MLP/r), so a component's shape bends within its basin but the component cannot be carried across a barrier; 0 keeps the MLP off them",
    },
    priorMixture: {
      type: 'object',
      additionalProperties: false,
      required: ['components'],
      description:
        "a learnable Gaussian-mixture prior over z (weights moved by the components' mean losses), instead of N(0, I)",
      properties: {
        components: { type: 'integer', minimum: 2, description: 'number of components' },
        spread: {
          type: 'number',
          exclusiveMinimum: 0,
          default: 1,
          description: 'standard deviation of the initial centres, per latent',
        },
        std: {
          type: 'number',
          exclusiveMinimum: 0,
          default: 0.5,
          description: 'initial standard deviation of each component',
        },
        balance: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          default: 0.5,
          description:
            'training draws pick components from (1 - balance)·weights + balance/K and weight samples back, so rare components keep training; 0: draw from the weights',
        },
        scan: {
          type: 'object',
          additionalProperties: false,
          description:
            'before training, decode `candidates` latent values drawn with standard deviation `spread`, score them with the force field, and start the components at the best basin bottoms (no better structure within `radius`, over the latentSkip coordinates, else all): each component at the bottom of a different basin',
          properties: {
            candidates: {
              type: 'integer',
              minimum: 2,
              default: 4096,
              description: 'latent values decoded and scored by the force field',
            },
            spread: {
              type: 'number',
              exclusiveMinimum: 0,
              default: 3,
              description: 'standard deviation of the scanned latent values, per latent',
            },
            radius: {
              type: 'number',
              exclusiveMinimum: 0,
              default: 1,
              description:
                'a basin bottom has no better candidate within this distance, in standardised units of the compared coordinates (radians for phi/psi at scale 1)',
            },
            keep: {
              type: 'number',
              exclusiveMinimum: 0,
              maximum: 1,
              default: 0.05,
              description:
                'with fewer basin bottoms than components: the fraction of the candidates, lowest energy first, the others are spread over (farthest-point selection)',
            },
          },
        },
        componentDecoder: {
          type: 'boolean',
          default: false,
          description:
            'the decoder sees the component (a learned first-layer bias each) and the encoder guesses it (a classifier head), so each component can hold a basin of its own',
        },
      },
    },
    decoderStdMax: {
      type: 'object',
      additionalProperties: false,
      required: ['coordinates', 'max'],
      description:
        "soft upper bound on the decoder's standard deviation of some coordinates, in their units (rad for torsions), so the latents must carry their large moves: coordinates 'backbone' (phi and psi, from the internal-coordinates transform's names) or model-space indices",
      properties: {
        coordinates: {
          oneOf: [
            { type: 'string', enum: ['backbone'] },
            { type: 'array', items: { type: 'integer', minimum: 0 }, uniqueItems: true, minItems: 1 },
          ],
        },
        max: { type: 'number', exclusiveMinimum: 0, description: 'largest decoder standard deviation (model units)' },
      },
    },
    latentSkip: {
      type: 'object',
      additionalProperties: false,
      required: ['coordinates', 'slope'],
      description:
        "a learnable linear path from z to some coordinates, initialised so that latent k mod d moves the k-th of them (in index order) by slope per unit of z: 'backbone' (phi and psi, from the internal-coordinates transform's names) or model-space indices",
      properties: {
        coordinates: {
          oneOf: [
            { type: 'string', enum: ['backbone'] },
            { type: 'array', items: { type: 'integer', minimum: 0 }, uniqueItems: true, minItems: 1 },
          ],
        },
        slope: {
          type: 'number',
          description: 'initial change of each coordinate per unit of its latent (model units, rad for torsions)',
        },
      },
    },
    finalLayerScale: { type: 'number', minimum: 0, default: 0.1 },
    scope: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.-]+$',
      default: 'vae',
      description: 'prefix of the variable names',
    },
    decoderFlow: {
      type: 'object',
      additionalProperties: false,
      description:
        'make the decoder a conditional flow: spline couplings conditioned on z on top of the Gaussian decoder (absent: Gaussian decoder)',
      properties: {
        layers: {
          type: 'integer',
          minimum: 1,
          default: 4,
          description: 'number of spline coupling layers',
        },
        bins: {
          type: 'integer',
          minimum: 2,
          maximum: 64,
          default: 8,
          description: 'spline bins per coordinate',
        },
        bound: {
          type: 'number',
          exclusiveMinimum: 0,
          default: 4,
          description: 'spline interval half-width, in standardised units (identity outside)',
        },
        hidden: {
          ...widths,
          default: [64, 64],
          description: 'hidden widths of each conditioner MLP (tanh)',
        },
      },
    },
  },
};
