import type { CommandModule } from 'yargs';
import { relative } from 'node:path';
import { loadRunConfig, resolveRunConfig } from '@embedcg/core';
import { assembleOptions, log } from '../context.js';

/**
 * A config that extends another is short to write and long to read: this prints what training will
 * use, and doubles as a check of a config (plugins found, options valid) before a long run.
 */
export const configCommand: CommandModule<{}, { config: string; sources: boolean }> = {
  command: 'config <config>',
  describe: 'Print a run config as training uses it: "extends" merged, plugin options checked, defaults filled in',
  builder: (y) =>
    y
      .positional('config', { type: 'string', demandOption: true, describe: 'Run config (JSON)' })
      .option('sources', { type: 'boolean', default: false, describe: 'Also list, on stderr, the files merged (the config first, then what it extends)' })
      .example('$0 config tools/bench/alanine-vae-components-tighter.config.json', 'the whole recipe behind a config that holds only its differences')
      .example('$0 config my-run.json > /dev/null && echo valid', 'check a config without training'),
  handler: async (argv) => {
    const { config, configDir, path, sources } = loadRunConfig(argv.config);
    const resolved = await resolveRunConfig(config, assembleOptions(configDir, path));
    if (argv.sources) for (const s of sources) log(relative(process.cwd(), s) || s);
    process.stdout.write(JSON.stringify(resolved, null, 2) + '\n');
  },
};
