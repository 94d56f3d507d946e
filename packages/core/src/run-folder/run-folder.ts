/** One run folder: every read and write of its files goes through here (layout: layout.ts). */
import type { TrainingOptimizer } from '../training/host-adam.js';
import type * as tf from '@embedcg/core/tf';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateRunConfig, type RunConfig } from '../config/run-config.js';
import { configDifferences, formatConfigDifferences } from '../config/config-diff.js';
import { ConfigError } from '../errors.js';
import type { TrainerState } from '../training/trainer-state.js';
import { findCheckpoint, writeCheckpoint } from './checkpoint.js';
import { readJsonObject, writeJsonAtomic } from './files.js';
import { HistoryFile } from './history.js';
import { RUN_FORMAT, RUN_LAYOUT, type RunLayout } from './layout.js';
import { runFormatOf, type RunMeta } from './run-meta.js';

/** What a new run replaces of an earlier one in the same folder (`--force`). */
const RUN_OUTPUTS = ['checkpoint', 'checkpointTmp', 'checkpointOld', 'history', 'metrics', 'report'] as const;

export class RunFolder {
  /** Absolute path of the folder. */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Absolute path of one entry of the layout. */
  path(entry: keyof RunLayout): string {
    return join(this.dir, RUN_LAYOUT[entry]);
  }

  /** Whether a run was started here (it has a config.json). */
  holdsRun(): boolean {
    return existsSync(this.path('config'));
  }

  /**
   * Start a new run: remove what an earlier run left (checkpoints, history, metrics, report, so
   * none of it can pass for the new run's), then write config.json and run.json, the latter with
   * this core's run format.
   */
  create(config: RunConfig, meta: RunMeta): void {
    mkdirSync(this.dir, { recursive: true });
    for (const entry of RUN_OUTPUTS) rmSync(this.path(entry), { recursive: true, force: true });
    writeJsonAtomic(this.path('config'), config);
    writeJsonAtomic(this.path('run'), { runFormat: RUN_FORMAT, ...meta });
  }

  /** run.json, or `{}` for a folder without one (runs made by `train()` alone). */
  readMeta(): RunMeta {
    return existsSync(this.path('run')) ? (readJsonObject(this.path('run')) as RunMeta) : {};
  }

  /** The folder's run format; an error names it when this core cannot read it. */
  format(meta: RunMeta = this.readMeta()): number {
    return runFormatOf(meta, this.path('run'));
  }

  /**
   * config.json, validated (which also fills defaults added since the run was written). A run whose
   * config predates `training.fusedKernels` was made with the plain tfjs ops, so it reads as false:
   * it evaluates and resumes as it was made (the fused path rounds differently).
   */
  readConfig(): RunConfig {
    const path = this.path('config');
    const raw = readJsonObject(path);
    if (this.predatesFusedKernels(raw)) raw['training'] = { ...(raw['training'] as object), fusedKernels: false };
    return validateRunConfig(raw, path);
  }

  /** Whether the run's config.json has no `training.fusedKernels` (written before the key existed). */
  predatesFusedKernels(raw: Record<string, unknown> = readJsonObject(this.path('config'))): boolean {
    const training = raw['training'];
    return !(training && typeof training === 'object' && 'fusedKernels' in training);
  }

  /**
   * Before a resume: refuse a config other than the one the run started with, which would change
   * the run silently half way. Defaults new since the run started do not count as changes.
   */
  checkResumeConfig(config: RunConfig): void {
    if (!this.holdsRun()) return;
    const path = this.path('config');
    const diffs = configDifferences(this.readConfig(), JSON.parse(JSON.stringify(config)));
    if (diffs.length) {
      throw new ConfigError(
        `cannot resume ${this.dir}: its config differs from the one the run started with (${path}):\n${formatConfigDifferences(diffs)}\n` +
          'Resume with the same config (and the same --set options), or start a new run (--force, or another --out).',
        path,
      );
    }
  }

  /** After a resume has loaded an older format's checkpoint: record that the folder now holds this core's format. */
  markCurrentFormat(): void {
    if (!existsSync(this.path('run'))) return;
    const meta = this.readMeta();
    if (meta.runFormat === RUN_FORMAT) return;
    writeJsonAtomic(this.path('run'), { ...meta, runFormat: RUN_FORMAT });
  }

  /** An empty history for a new run. */
  startHistory(): HistoryFile {
    mkdirSync(this.dir, { recursive: true });
    return HistoryFile.start(this.path('history'));
  }

  /** The history cut back to the `lines` lines the resumed checkpoint saw. */
  resumeHistory(lines: number): HistoryFile {
    return HistoryFile.resume(this.path('history'), lines);
  }

  /** The folder of the newest complete checkpoint, or undefined. */
  latestCheckpoint(): string | undefined {
    return findCheckpoint(this.dir);
  }

  /** Write a checkpoint atomically (see checkpoint.ts). */
  saveCheckpoint(
    model: { variables(): tf.Variable[]; metadata(): unknown },
    optimizer: TrainingOptimizer | undefined,
    state: TrainerState,
  ): Promise<void> {
    return writeCheckpoint(this.dir, model, optimizer, state);
  }

  /** metrics.json. */
  writeMetrics(metrics: Record<string, unknown>): void {
    writeJsonAtomic(this.path('metrics'), metrics);
  }
}

/** Start a new run in `runDir`: config.json and run.json (see {@link RunFolder.create}). */
export function writeRunFiles(runDir: string, config: RunConfig, meta: RunMeta): void {
  new RunFolder(runDir).create(config, meta);
}
