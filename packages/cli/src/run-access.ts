/**
 * How the commands that open a run (evaluate, sample, report, cvs, decode) load its plugins. A run
 * folder is data: its plugins resolve from the working directory, embedcg's own install and
 * --plugin-dir, never from the folder or the configDir its run.json records, and plugins named by
 * path load only with --allow-path-plugins.
 */
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { OpenRunOptions } from '@embedcg/core';
import { log, pluginSearchDirs } from './context.js';

export interface RunAccessArgs {
  pluginDir?: string[];
  allowPathPlugins?: boolean;
}

export const allowPathPluginsOption = {
  type: 'boolean',
  default: false,
  describe:
    "Load plugins the run's config names by path (./my-ff.js): code that came with the run, so only for runs you trust",
} as const;

/** The options of a command that opens a run. */
export function withRunAccess<T>(y: Argv<T>) {
  return y
    .option('plugin-dir', {
      type: 'string',
      array: true,
      describe:
        "Also resolve the run's plugin packages from this folder's node_modules (besides the working directory and embedcg's own install); repeatable",
    })
    .option('allow-path-plugins', allowPathPluginsOption);
}

/** openRun's options for these arguments. */
export function runAccess(argv: RunAccessArgs): OpenRunOptions {
  return {
    searchDirs: [...pluginSearchDirs(), ...(argv.pluginDir ?? []).map((d) => resolve(d))],
    allowPathPlugins: argv.allowPathPlugins,
    log,
  };
}
