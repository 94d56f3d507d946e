/** The plugins core itself provides: schedules, and the molecular transforms (code loaded on use). */
import { klIncreasePlugin, lossPlateauPlugin, geometricPlugin } from './schedules/index.js';
import { internalCoordinatesPlugin, rigidBodyPlugin } from './molecular-transform-plugins.js';
import type { AnyPlugin } from './plugin.js';

export const plugins: AnyPlugin[] = [
  klIncreasePlugin,
  lossPlateauPlugin,
  geometricPlugin,
  rigidBodyPlugin,
  internalCoordinatesPlugin,
];
