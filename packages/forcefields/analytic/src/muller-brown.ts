/**
 * The Müller–Brown potential (Müller & Brown 1979), four Gaussian-like terms in 2-D, scaled by
 * `scale` so that β = 1 is a temperature where all three basins hold visible mass:
 * the force field and its plugin. The potential is in muller-brown-potential.ts, the exact
 * reference in muller-brown-reference.ts (basin labels in muller-brown-labels.ts).
 *
 *   U(x, y) = scale · Σ_k A_k exp(a_k (x−x0_k)² + b_k (x−x0_k)(y−y0_k) + c_k (y−y0_k)²)
 */
import { API_VERSION, defineForceField } from '@embedcg/core';
import type { EvaluateOptions, ForceField } from '@embedcg/core';
import { evaluateBatch } from './batch.js';
import { MULLER_BROWN_DEFAULT_SCALE, mullerBrownRawGradient } from './muller-brown-potential.js';
import {
  createMullerBrownReference,
  type MullerBrownOptions,
  type MullerBrownReference,
} from './muller-brown-reference.js';
import { PACKAGE_VERSION } from './version.js';

export * from './muller-brown-potential.js';
export { MULLER_BROWN_LABEL_BOX, steepestDescentLabels, type Lattice } from './muller-brown-labels.js';
export * from './muller-brown-reference.js';

/** The scaled Müller–Brown force field (D = 2). */
export function createMullerBrown(options: MullerBrownOptions = {}): ForceField & { reference: MullerBrownReference } {
  const reference = createMullerBrownReference(options);
  const scale = options.scale ?? MULLER_BROWN_DEFAULT_SCALE;
  const g = new Float64Array(2);
  const global = reference.minima[0]!;
  const ff = {
    name: 'muller-brown',
    dimension: 2,
    reference,
    initialPositions: Float64Array.from([global.x, global.y]),
    evaluate(positions: Float64Array, n: number, opts?: EvaluateOptions) {
      return evaluateBatch(ff, positions, n, opts, (x, o, f, fo) => {
        const u = mullerBrownRawGradient(x[o]!, x[o + 1]!, g);
        if (f) {
          f[fo] = -scale * g[0]!;
          f[fo + 1] = -scale * g[1]!;
        }
        return scale * u;
      });
    },
  };
  return ff;
}

export const mullerBrownPlugin = defineForceField<MullerBrownOptions>({
  name: 'muller-brown',
  version: PACKAGE_VERSION,
  apiVersion: API_VERSION,
  description: 'Müller–Brown potential scaled so β = 1 shows three basins; exact grid-quadrature reference',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      scale: {
        type: 'number',
        exclusiveMinimum: 0,
        default: MULLER_BROWN_DEFAULT_SCALE,
        description:
          'Multiplies the raw potential; 0.05 (= U/20) gives basin masses ≈ 80.6 % / 12.9 % / 6.5 % at β = 1.',
      },
      gridSpacing: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 0.1,
        default: 0.005,
        description: 'Lattice spacing (nm) of the exact reference grid.',
      },
    },
  },
  create: (options) => createMullerBrown(options),
});
