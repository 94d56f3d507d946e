/**
 * embedcg-plugin-quartic: a tilted quartic ring in 2-D,
 *
 *   U(x, y) = (k / 4) (x² + y² − R²)² + tilt · x      (kJ/mol, nm)
 *
 * A ring of radius R whose two sides are made unequal by the linear tilt. It has analytic forces
 * and deliberately no exact reference, so it exercises the parts of embedcg that must work without
 * one. Plain ESM, no build step, and only '@embedcg/core' (a peer) is imported: a plugin that two
 * copies of core could not split.
 */
import { API_VERSION, checkPositions, defineForceField } from '@embedcg/core';

const VERSION = '1.0.0';

/** Energies and forces of n configurations (flat, configuration-major). */
export function quarticRingEnergies(positions, n, { k, radius, tilt }, energiesOnly = false) {
  const energies = new Float64Array(n);
  const forces = new Float64Array(energiesOnly ? 0 : 2 * n);
  const r2 = radius * radius;
  for (let i = 0; i < n; i++) {
    const x = positions[2 * i];
    const y = positions[2 * i + 1];
    const s = x * x + y * y - r2;
    energies[i] = 0.25 * k * s * s + tilt * x;
    if (!energiesOnly) {
      // −∇U: d/dx (k/4) s² = k s x, and the tilt adds a constant along x.
      forces[2 * i] = -(k * s * x + tilt);
      forces[2 * i + 1] = -(k * s * y);
    }
  }
  return { energies, forces };
}

export const quarticRing = defineForceField({
  name: 'quartic-ring',
  version: VERSION,
  apiVersion: API_VERSION,
  description: 'Tilted 2-D quartic ring U = k/4 (r² − R²)² + tilt·x, analytic forces, no exact reference',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      k: { type: 'number', exclusiveMinimum: 0, default: 10, description: 'stiffness, kJ/mol/nm⁴' },
      radius: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'ring radius, nm' },
      tilt: { type: 'number', default: 0.5, description: 'linear tilt along x, kJ/mol/nm' },
    },
  },
  create(options) {
    const ff = {
      name: 'quartic-ring',
      dimension: 2,
      evaluate(positions, n, evalOptions = {}) {
        checkPositions(ff, positions, n);
        return quarticRingEnergies(positions, n, options, evalOptions.energiesOnly === true);
      },
    };
    return ff;
  },
});

export const plugins = [quarticRing];
