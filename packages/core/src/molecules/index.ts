/**
 * @embedcg/core/molecules — the molecule-specific code: PDB/DCD/XYZ files, system.json, Z-matrix
 * and rigid-body transforms, chirality, torsion names, backbone dihedrals, and the alanine-dipeptide
 * states and metrics. Core's main entry does not import this one; the `rigid-body` and
 * `internal-coordinates` plugin descriptors stay there and load this code when a run creates them.
 */
export * from './io/index.js';
export {
  parseSystemJson,
  loadSystemJson,
  formatSystemJson,
  writeSystemJson,
  type SystemParameters,
  type SystemAtom,
  type GbParameters,
} from './system/system-json.js';
export {
  checkAtomOrder,
  atomOrderMismatch,
  atomNamesEquivalent,
  canonicalAtomName,
  type NamedCoordinates,
} from './system/atom-order.js';
export { dihedral, dihedralSeries, backboneDihedrals, type Quad } from './observables/dihedrals.js';
export { methylRotors, type MethylRotor } from './observables/methyl-rotors.js';
export {
  createRigidBodyTransform,
  canonicalFrame,
  backboneAnchors,
  fixedCoordinates,
  type RigidBodyAnchors,
  type RigidBodyOptions,
} from './transforms/rigid-body.js';
export {
  createInternalCoordinateTransform,
  internalCoordinateNames,
  type InternalCoordinateTransform,
  type InternalCoordinateOptions,
} from './transforms/internal-coordinates.js';
export { validateZMatrix, type ZMatrixRow } from './transforms/z-matrix.js';
export { buildZMatrix } from './transforms/z-matrix-from-bonds.js';
export {
  chiralityCenters,
  signedVolume,
  wrongChirality,
  wrongChiralityRate,
  type ChiralityCenter,
} from './transforms/chirality.js';
export { scalesByKind, type ScalesByKind } from './transforms/scales-by-kind.js';
export { backboneTorsions, methylRotorTorsions, requireCoordinateNames } from './transforms/torsion-names.js';
export { radiusOfGyration, chiralCentres, backboneChiralCentres } from './evaluation/geometry.js';
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
} from './evaluation/states.js';
export {
  molecularMetrics,
  residueAngles,
  residueLabel,
  type ReferenceSet,
  type MolecularEvaluationInput,
  type MolecularMetrics,
  type ConfigurationSet,
} from './evaluation/molecular.js';
export {
  jointStates,
  jointPopulations,
  jointStateName,
  populationFactor,
  JOINT_MASS_FLOOR,
  type ResidueAngles,
} from './evaluation/molecular-residues.js';
export {
  latentCapture,
  latentCaptureMetrics,
  captureTorsions,
  residueState,
  type LatentCapture,
  type LatentCaptureInput,
  type StateLayout,
} from './evaluation/latent-capture.js';
export { rightHandedSamples, type ChiralityFilterResult } from './evaluation/chirality-filter.js';
