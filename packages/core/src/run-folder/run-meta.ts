/** run.json: what a run folder records about itself, and the run-format check every reader makes. */
import { InputError } from '../errors.js';
import type { ForceCheckRecord } from '../training/force-check.js';
import { READABLE_RUN_FORMATS, RUN_FORMAT } from './layout.js';

/** The contents of run.json. Every field but `runFormat` is informational; unknown fields are kept. */
export interface RunMeta {
  /** Layout version of the run folder (absent in runs written before formats were recorded: format 1). */
  runFormat?: number;
  /** Absolute path of the config file the run was started from. */
  configPath?: string;
  /** Configs merged in through `extends`, nearest first. */
  configExtends?: string[];
  /** `--set` overrides, as given. */
  configOverrides?: string[];
  /**
   * Folder of the config the run started from. The plugins' relative data paths (a system.json, a
   * PDB in the force-field options) resolve from it when the run is reopened (the run folder when
   * it no longer exists). Training resolved plugin packages from it too; reopening a run does not,
   * since whoever made the folder wrote this field (see `openRun`).
   */
  configDir?: string;
  backend?: string;
  coreVersion?: string;
  /** Slot (forceField, transform, model, schedule) → plugin package, name and version. */
  plugins?: Record<string, { package: string; name: string; version: string }>;
  /** ISO time the run started. */
  started?: string;
  /** Node.js version. */
  node?: string;
  /** The command line (CLI runs). */
  argv?: string[];
  /** The force check made before the first step, with its energy evaluations (not counted in training's). */
  forceCheck?: ForceCheckRecord;
  [key: string]: unknown;
}

/**
 * The run format of `meta` (read from `source`): 1 when it records none, else its `runFormat`,
 * which must be one this core reads.
 */
export function runFormatOf(meta: RunMeta, source: string): number {
  const f = meta.runFormat;
  if (f === undefined) return 1;
  if (typeof f !== 'number' || !Number.isInteger(f) || f < 1)
    throw new InputError(`${source}: "runFormat" must be a whole number ≥ 1, got ${JSON.stringify(f)}`, source);
  if (!READABLE_RUN_FORMATS.includes(f)) {
    throw new InputError(
      `${source}: the run has run format ${f}, but this @embedcg/core reads run formats ${READABLE_RUN_FORMATS.join(' and ')} ` +
        `(it writes format ${RUN_FORMAT}); open the run with the newer embedcg that wrote it`,
      source,
    );
  }
  return f;
}
