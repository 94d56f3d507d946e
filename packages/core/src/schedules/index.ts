export { klIncreasePlugin, createKlIncreaseSchedule, klIncreaseStep, type KlIncreaseOptions } from './kl-increase.js';
export { lossPlateauPlugin, lossPlateaued, type LossPlateauOptions } from './loss-plateau.js';
export { geometricPlugin, geometricLadder, type GeometricOptions } from './geometric.js';
