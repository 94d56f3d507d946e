/** Coordinate transforms provided by core. */
export {
  createRigidBodyTransform, canonicalFrame, backboneAnchors, fixedCoordinates,
  type RigidBodyAnchors, type RigidBodyOptions,
} from './rigid-body.js';
export { rigidBodyPlugin, type RigidBodyPluginOptions } from './rigid-body-plugin.js';
