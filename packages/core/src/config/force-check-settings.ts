/** `training.forceCheck`: the check of the force field a new run makes before its first step. */
import type { JSONSchema } from '../plugin.js';

export interface ForceCheckSettings {
  /** Run the check (default true). */
  enabled: boolean;
  /** Configurations drawn from the initial model (the force field's initial positions come on top). */
  configurations: number;
  /** Coordinates differenced per configuration, drawn at random. */
  components: number;
  /** Allowed |force − finite difference| relative to max(the configuration's RMS force, |force|). */
  tolerance: number;
}

export const forceCheckSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description:
    "Before a new run's first step (not on resume): compare the force field's forces with central finite differences of its energies, " +
    'and check that energies and forces are finite and of the promised lengths, at its initial positions (when it has them) and at ' +
    '`configurations` draws from the initial model; training is refused when they disagree. Costs n·(1 + 2·components) energy ' +
    'evaluations, n = configurations (+1 with initial positions), counted apart from training (run.json forceCheck). ' +
    'Set enabled to false for a force field too expensive to spare them.',
  properties: {
    enabled: { type: 'boolean', default: true, description: 'run the check' },
    configurations: {
      type: 'integer',
      minimum: 1,
      default: 4,
      description: 'configurations drawn from the initial model (through the transform)',
    },
    components: {
      type: 'integer',
      minimum: 1,
      default: 3,
      description: 'coordinates differenced per configuration, drawn at random (all of them when there are fewer)',
    },
    tolerance: {
      type: 'number',
      exclusiveMinimum: 0,
      default: 0.01,
      description:
        "allowed |force − finite difference| relative to the larger of the configuration's RMS force and the component's own",
    },
  },
};
