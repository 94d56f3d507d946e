import type { CommandModule } from 'yargs';
import { relative } from 'node:path';
import { loadRunConfig, resolveRunConfig } from '@embedcg/core';
import { assembleOptions, log } from '../context.js';

/**
 * A config that extends another is short to write and long to read: this prints what training will
 * use, and doubles as a check of a config before a long run. It loads every plugin package the
 * config names and resolves their options with the code `train` uses (core's resolvePluginOptions:
 * the schema, then the plugin's own resolveOptions), so a config it accepts is one `train` accepts
 * as far as options go; it creates no plugin (no force field is read, no model built).
 */
export const configCommand: CommandModule<object, { config: string; sources: boolean; set?: string | string[] }> = {
  command: 'config <config>',
  describe:
    'Print a run config as training uses it: "extends" merged, and each plugin loaded (its package imported) to check its options and fill in their defaults exactly as train does; nothing is created or trained',
  builder: (y) =>
    y
      .positional('config', { type: 'string', demandOption: true, describe: 'Run config (JSON)' })
      .option('sources', {
        type: 'boolean',
        default: false,
        describe: 'Also list, on stderr, the files merged (the config first, then what it extends)',
      })
      .option('set', {
        type: 'string',
        describe: 'Override one config key, path=value, as `train --set` does; repeatable',
      })
      .example(
        '$0 config tools/bench/alanine-vae-flowdecoder.config.json',
        'the whole recipe behind a config that holds only its differences',
      )
      .example('$0 config my-run.json > /dev/null && echo valid', 'check a config without training')
      .example('$0 config examples/double-well.json --set training.finalSteps=4000', 'what a --set changes'),
  handler: async (argv) => {
    const { config, configDir, sources, label } = loadRunConfig(argv.config, [argv.set ?? []].flat());
    const resolved = await resolveRunConfig(config, assembleOptions(configDir, label));
    if (argv.sources) for (const s of sources) log(relative(process.cwd(), s) || s);
    process.stdout.write(JSON.stringify(resolved, null, 2) + '\n');
  },
};
