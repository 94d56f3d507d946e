/** Generic evaluation: histogram divergences, Wasserstein distance, bootstrap intervals, CV classifiers. */
export {
  RAMACHANDRAN_BINS,
  HISTOGRAM_EPSILON,
  angleBin,
  ramachandranHistogram,
  klDivergence,
  jensenShannon,
} from './divergence.js';
export { wasserstein1 } from './wasserstein.js';
export { resampleIndices, percentile, bootstrapInterval } from './bootstrap.js';
export {
  crossValidate,
  logisticQuadratic,
  nearestNeighbours,
  type Classifier,
  type ClassifierScore,
} from './classifier.js';
