/**
 * What every command shares: where plugin packages resolve from, the exit-code policy, logging.
 * The CLI adds its own folder to the search path so that the plugins installed with it are found
 * wherever the config lives.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, type AssembleOptions } from '@embedcg/core';
import { UsageError } from './errors.js';

export const cliDir = dirname(fileURLToPath(import.meta.url));

/** Where plugin packages resolve from besides the config's folder: the working directory and the CLI's own. */
export function pluginSearchDirs(): string[] {
  return [process.cwd(), cliDir];
}

export function assembleOptions(configDir: string, configPath?: string): AssembleOptions {
  return { configDir, configPath, searchDirs: pluginSearchDirs(), log };
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** A problem that does not stop the command (e.g. a DCD holding fewer frames than its header says). */
export function warn(message: string): void {
  log(`warning: ${message}`);
}

/**
 * Exit code for an error: 2 for bad usage or input, 1 for failures during work. yargs reports its
 * own parse failures, and errors thrown by an option's coerce (numbers.ts), as YError.
 */
export function exitCodeFor(err: unknown): number {
  return err instanceof UsageError ||
    (err as Error)?.name === 'YError' ||
    err instanceof InputError ||
    (err as Error)?.name === 'InputError' ||
    (err as Error)?.name === 'ConfigError' ||
    (err as Error)?.name === 'PluginError'
    ? 2
    : 1;
}
