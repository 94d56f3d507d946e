import type { JSONSchema } from '../plugin.js';

/** `training.energyGuard` (training/energy-guard.ts): what keeps a clash from blowing up a step. */
export interface EnergyGuardSettings {
  /** Energies (kJ/mol) above this grow only logarithmically (FAB's guard). */
  maxEnergy: number;
  /** Fraction of each batch with the highest energies left out of the loss. */
  dropFraction: number;
  /**
   * Soften also above βU = this (in kT), so the threshold rises as β falls: at a hot level a
   * clash costs little βU, yet its forces would set the clipped gradient's direction.
   */
  maxBetaEnergy?: number;
  /**
   * `maxEnergy` and `dropFraction` for the final stage at β* (each defaults to the setting above).
   * A dropped sample teaches the model nothing, so a drop kept to the end leaves that fraction of
   * clashing samples in place.
   */
  final?: { maxEnergy?: number; dropFraction?: number; maxBetaEnergy?: number };
}

export const energyGuardSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    maxEnergy: { type: 'number', exclusiveMinimum: 0, default: 1e8 },
    dropFraction: { type: 'number', minimum: 0, maximum: 0.5, default: 0 },
    maxBetaEnergy: {
      type: 'number',
      exclusiveMinimum: 0,
      description:
        "under trial, not kept (docs/results/alanine-tetrapeptide.md): also soften energies above betaU = this (kT, on the force field's own zero): the threshold rises as beta falls (absent: maxEnergy alone)",
    },
    final: {
      type: 'object',
      additionalProperties: false,
      description:
        'maxEnergy and dropFraction for the final stage at the target beta (each defaults to the setting above). A dropped sample teaches the model nothing, so a drop kept to the end leaves that fraction of clashing samples in place',
      properties: {
        maxEnergy: { type: 'number', exclusiveMinimum: 0 },
        dropFraction: { type: 'number', minimum: 0, maximum: 0.5 },
        maxBetaEnergy: { type: 'number', exclusiveMinimum: 0 },
      },
    },
  },
};
