export { trainingCurves } from './training-curves.js';
export { potential2D, type Potential2DOptions } from './potential-2d.js';
export { marginal, type MarginalOptions } from './marginal.js';
export { ramachandran, type RamachandranOptions, type DihedralSamples } from './ramachandran.js';
export { freeEnergy1D, type FreeEnergy1DOptions } from './free-energy-1d.js';
export { latentSpace, type LatentSpaceOptions } from './latent-space.js';
export { decodedGrid, type DecodedGridOptions, type DecodedLine, type DecodedGrid2D } from './decoded-grid.js';
export { energyHistogram, type EnergyHistogramOptions } from './energy-histogram.js';
export { emptyPlot } from './empty.js';
