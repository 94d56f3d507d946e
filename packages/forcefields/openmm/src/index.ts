/**
 * @embedcg/forcefield-openmm: OpenMM as an embedcg force field, system export and reference MD.
 */
import type { PluginDescriptor } from '@embedcg/core';
import { openmmForceFieldPlugin } from './plugin.js';

export { createOpenMMForceField, systemSpec } from './force-field.js';
export type {
  OpenMMForceField,
  OpenMMForceFieldOptions,
  SystemSource,
  Solvent,
  OpenMMPlatformName,
} from './force-field.js';
export { checkSystemFiles, type SystemFiles } from './system-check.js';
export { systemXmlMasses, systemXmlTopology } from './system-xml.js';
export { prepareSystem } from './prepare.js';
export type { PrepareOptions, PrepareResult } from './prepare.js';
export { runMD } from './md.js';
export type { MDOptions, MDProgress, MDResult } from './md.js';
export { findPython, openmmAvailability, OpenMMUnavailableError, INSTALL_HINT, SERVER_SCRIPT } from './python.js';
export type { PythonInfo } from './python.js';
export { OpenMMPool } from './pool.js';
export type { PoolOptions } from './pool.js';
export { OpenMMChild, ChildFailure, OpenMMRequestError } from './child.js';
export { encodeFrame, FrameDecoder } from './protocol.js';
export type { Frame } from './protocol.js';
export { liveChildCount } from './cleanup.js';
export { openmmForceFieldPlugin, openmmOptionsSchema } from './plugin.js';
export { VERSION } from './version.js';

/** The plugins of this package (one force field named "openmm"). */
export const plugins: PluginDescriptor[] = [openmmForceFieldPlugin];
