/** Evaluation of molecular models against reference trajectories (science.md §7). */
export {
  RAMACHANDRAN_BINS,
  HISTOGRAM_EPSILON,
  angleBin,
  ramachandranHistogram,
  klDivergence,
  jensenShannon,
} from './divergence.js';
export { wasserstein1 } from './wasserstein.js';
export { radiusOfGyration, chiralCentres, backboneChiralCentres } from './geometry.js';
export {
  POPULATIONS,
  STATES,
  inBetaTail,
  inC7axAlphaL,
  stateOf,
  statePopulations,
  deltaFFromProbability,
  phiPositiveProbability,
  type PopulationName,
  type StateName,
} from './states.js';
export { resampleIndices, percentile, bootstrapInterval } from './bootstrap.js';
export {
  crossValidate,
  logisticQuadratic,
  nearestNeighbours,
  type Classifier,
  type ClassifierScore,
} from './classifier.js';
export {
  molecularMetrics,
  type MolecularEvaluationInput,
  type MolecularMetrics,
  type ConfigurationSet,
} from './molecular.js';
