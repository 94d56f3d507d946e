/** Molecular file I/O: PDB, DCD and XYZ readers and writers (coordinates in nm). */
export * from './frames.js';
export * from './pdb.js';
export * from './dcd.js';
export * from './xyz.js';
export { openDcd, DcdReader, type DcdChunk } from './dcd-reader.js';
export { siblingPdb } from './sibling-pdb.js';
export * from './md-series.js';
