/** Reopening a trained run (for evaluate, sample, report, cvs, decode). */
import { existsSync } from 'node:fs';
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

/**
 * Re-create a run's plugins from its config.json and load its newest checkpoint. A run format this
 * core does not read is refused before anything is built.
 */
export async function openRun(runDir: string, o: Omit<AssembleOptions, 'configDir'> = {}): Promise<OpenedRun> {
  const folder = new RunFolder(runDir);
  if (!folder.holdsRun())
    throw new InputError(
      `${runDir}: not a run directory (no config.json); train first with \`embedcg train CONFIG --out ${runDir}\``,
    );
  const meta = folder.readMeta();
  const runFormat = folder.format(meta);
  const config = folder.readConfig();
  const configDir = typeof meta.configDir === 'string' && existsSync(meta.configDir) ? meta.configDir : folder.dir;
  const plugins = await assemblePlugins(config, { ...o, configDir, configPath: folder.path('config') });
  const cp = folder.latestCheckpoint();
  if (!cp) throw new InputError(`${runDir}: no checkpoint yet; the run has not completed a step`);
  loadModelWeights(cp, plugins.model);
  return { runDir: folder.dir, config, meta, runFormat, plugins, state: readCheckpointState(cp) };
}
