/**
 * Errors meant for the user. The CLI prints `message` alone (no stack) and maps the class to an
 * exit code: input problems exit 2, failures during work exit 1.
 */

/** Bad input: a config, an option, a file. Exit code 2. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    message: string,
    readonly source?: string,
  ) {
    super(message);
  }
}

/** A config document that fails validation; names the file and the JSON path. */
export class ConfigError extends InputError {
  override name = 'ConfigError';
}

/** A plugin that cannot be found, loaded or created. */
export class PluginError extends InputError {
  override name = 'PluginError';
}

/** Training cannot go on (non-finite loss, a force field that keeps failing). Exit code 1. */
export class TrainingError extends Error {
  override name = 'TrainingError';
}
