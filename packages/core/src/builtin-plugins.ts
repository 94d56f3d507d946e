/** The plugins core itself provides (schedules; transforms arrive with the molecular models). */
import { klIncreasePlugin, lossPlateauPlugin, geometricPlugin } from './schedules/index.js';
import { rigidBodyPlugin } from './transforms/rigid-body-plugin.js';
import { internalCoordinatesPlugin } from './transforms/z-matrix-plugin.js';
import type { AnyPlugin } from './plugin.js';

export const plugins: AnyPlugin[] = [klIncreasePlugin, lossPlateauPlugin, geometricPlugin, rigidBodyPlugin];
plugins.push(internalCoordinatesPlugin);
