/**
 * @embedcg/forcefield-amber: the native AMBER force field of embedcg.
 * Readers (prmtop, inpcrd/rst7), the OpenMM-convention SystemParameters and its system.json
 * format, the batched evaluator, and the `amber` plugin.
 */
import type { AnyPlugin } from '@embedcg/core';
import { amberPlugin } from './plugin.js';

export { parseFortranFormat, splitFixedWidth, type FortranFormat } from './fortran-format.js';
export { Prmtop, parsePrmtop, readPrmtop, POINTER_NAMES, type PrmtopSection, type PointerName } from './prmtop.js';
export { parseInpcrd, readInpcrd, type AmberCoordinates } from './inpcrd.js';
export { prmtopToSystem, validatePrmtop, type PrmtopToSystemOptions } from './prmtop-to-system.js';
export { checkCmapSections } from './prmtop-cmap.js';
export { checkPrmtopSupported } from './prmtop-support.js';
export { prmtopAtoms, prmtopTopology } from './prmtop-topology.js';
export {
  parseSystemJson,
  loadSystemJson,
  formatSystemJson,
  writeSystemJson,
  type SystemParameters,
  type SystemAtom,
  type GbParameters,
} from './system.js';
export {
  compileSystem,
  ONE_4PI_EPS0,
  ONE_4PI_EPS0_CUSTOM_GB,
  type CompiledSystem,
  type SolventModel,
  type CompileOptions,
} from './compiled.js';
export { Kernel, termNames, OVERLAP_DISTANCE, type TermArrays } from './kernel.js';
export { AmberEvaluator, type AmberEnergyBatch, type EvaluatorOptions } from './evaluator.js';
export { readCoordinateFrames, checkFrameAtoms, type CoordinateFrames } from './coordinates.js';
export { createAmberForceField, type AmberForceField, type AmberForceFieldOptions } from './force-field.js';
export { amberPlugin, type AmberPluginOptions } from './plugin.js';

/** The plugins of this package, for embedcg's plugin loader. */
export const plugins: AnyPlugin[] = [amberPlugin];
