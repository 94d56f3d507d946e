/**
 * Reopening a trained run (for evaluate, sample, report, cvs, decode). A run folder is data: its
 * config names plugins, but no code is loaded from the folder, nor from the configDir its run.json
 * records (the folder's author wrote that too); see {@link openRun}.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from '../config/run-config.js';
import { InputError } from '../errors.js';
import { assemblePlugins, type AssembleOptions, type RunPlugins } from '../run.js';
import type { TrainerState } from '../training/trainer-state.js';
import { loadModelWeights, readCheckpointState } from './checkpoint.js';
import { RunFolder } from './run-folder.js';
import type { RunMeta } from './run-meta.js';

export interface OpenedRun {
  /** Absolute path of the run folder. */
  runDir: string;
  config: RunConfig;
  /** run.json (`{}` when the folder has none). */
  meta: RunMeta;
  /** The folder's run format (1 for runs written before formats were recorded). */
  runFormat: number;
  plugins: RunPlugins;
  /** Trainer state of the checkpoint the weights came from. */
  state: TrainerState;
}

export type OpenRunOptions = Omit<AssembleOptions, 'configDir' | 'packagesFromConfigDir' | 'untrustedDirs'>;

/** Where core itself is installed: plugin packages installed beside it resolve from here. */
const coreDir = dirname(fileURLToPath(import.meta.url));

/**
 * Re-create a run's plugins from its config.json and load its newest checkpoint. A run format this
 * core does not read is refused before anything is built.
 *
 * Plugin packages resolve from `searchDirs` (default: the working directory and core's own
 * install), never from inside the run folder nor from run.json's configDir, which serves only the
 * plugins' relative data paths (a system.json, a PDB). Path plugins load only with
 * `allowPathPlugins: true`, and never from inside the run folder.
 */
export async function openRun(runDir: string, o: OpenRunOptions = {}): Promise<OpenedRun> {
  const folder = new RunFolder(runDir);
  if (!folder.holdsRun())
    throw new InputError(
      `${runDir}: not a run directory (no config.json); train first with \`embedcg train CONFIG --out ${runDir}\``,
    );
  const meta = folder.readMeta();
  const runFormat = folder.format(meta);
  const config = folder.readConfig();
  const configDir = typeof meta.configDir === 'string' && existsSync(meta.configDir) ? meta.configDir : folder.dir;
  const plugins = await assemblePlugins(config, {
    ...o,
    searchDirs: o.searchDirs ?? [process.cwd(), coreDir],
    allowPathPlugins: o.allowPathPlugins ?? false,
    configDir,
    packagesFromConfigDir: false,
    untrustedDirs: [folder.dir],
    configPath: folder.path('config'),
  });
  const cp = folder.latestCheckpoint();
  if (!cp) throw new InputError(`${runDir}: no checkpoint yet; the run has not completed a step`);
  loadModelWeights(cp, plugins.model);
  return { runDir: folder.dir, config, meta, runFormat, plugins, state: readCheckpointState(cp) };
}
