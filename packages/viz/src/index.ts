/**
 * @embedcg/viz — plots (SVG strings, PNG via resvg), a self-contained HTML report with a 3-D
 * viewer, and a live training view, for embedcg run directories.
 */
export * from './types.js';
export * from './plots/index.js';
export { svgToPng, vegaLiteToSvg, type PngOptions } from './render.js';
export { readRun, parseHistory } from './run-files.js';
export { escapeHtml, jsonForScript } from './escape.js';
export {
  weightsFromLogw,
  effectiveSampleSize,
  histogram1d,
  histogram2d,
  subsampleIndices,
  MIN_EFFECTIVE_COUNT,
  type Histogram1D,
  type Histogram2D,
} from './binning.js';
export { freeEnergyProfile, type FreeEnergyProfile, type ProfileOptions } from './profile.js';
export { summaryRows, type SummaryRow } from './summary-labels.js';
export { buildReport, writeReport, type ReportData, type ReportOptions, type BuiltReport } from './report.js';
export { structureFrames, framesToPdb, checkMoleculeSamples, type StructureFrames } from './structure-frames.js';
export { serveLive, type LiveOptions, type LiveServer } from './live-server.js';
export { HistoryTail } from './history-tail.js';
export { dihedralState, dihedralStates, basinMasses, type BasinMasses } from './dihedral-states.js';
export { residueTitle, residuePlotId, type ResidueDihedrals } from './residue-ramachandran.js';
export { exactMarginals2D } from './exact-marginals.js';
