/** Coordinate transforms provided by core. */
export {
  createRigidBodyTransform,
  canonicalFrame,
  backboneAnchors,
  fixedCoordinates,
  type RigidBodyAnchors,
  type RigidBodyOptions,
} from './rigid-body.js';
export { rigidBodyPlugin, type RigidBodyPluginOptions } from './rigid-body-plugin.js';
export {
  createInternalCoordinateTransform,
  buildZMatrix,
  validateZMatrix,
  internalCoordinateNames,
  bondIndex,
  angleIndex,
  torsionIndex,
  type InternalCoordinateTransform,
  type InternalCoordinateOptions,
  type ZMatrixRow,
} from './z-matrix.js';
export { internalCoordinatesPlugin, type InternalCoordinatesPluginOptions } from './z-matrix-plugin.js';
export {
  chiralityCenters,
  signedVolume,
  wrongChirality,
  wrongChiralityRate,
  type ChiralityCenter,
} from './chirality.js';
export { scalesByKind, type ScalesByKind } from './scales-by-kind.js';
export { backboneTorsions, methylRotorTorsions, requireCoordinateNames } from './torsion-names.js';
