/**
 * @embedcg/forcefield-analytic: analytic test potentials with exact references
 * (double well, Müller–Brown, harmonic, the flow paper's Gaussian mixture with fast dofs).
 */
import type { AnyPlugin } from '@embedcg/core';
import { doubleWellPlugin } from './double-well.js';
import { mullerBrownPlugin } from './muller-brown.js';
import { harmonicPlugin } from './harmonic.js';
import { gaussianMixtureFastPlugin } from './gaussian-mixture-fast.js';

export * from './double-well.js';
export * from './muller-brown.js';
export * from './harmonic.js';
export * from './gaussian-mixture-fast.js';
export { simpson, logSumExp, normalFrom, searchCdf, inverseCdfLinear, bisect } from './numerics.js';
export { evaluateBatch, type PointKernel } from './batch.js';
export { PACKAGE_VERSION } from './version.js';

/** The plugins of this package, for embedcg's loader. */
export const plugins: AnyPlugin[] = [doubleWellPlugin, mullerBrownPlugin, harmonicPlugin, gaussianMixtureFastPlugin];
