import type { CommandModule } from 'yargs';
import { relative } from 'node:path';
import { checkRunConfig, loadRunConfig } from '@embedcg/core';
import { assembleOptions, log } from '../context.js';

/**
 * A config that extends another is short to write and long to read: this prints what training will
 * use, and doubles as a check of a config before a long run. It loads every plugin package the
 * config names (their code runs, as in `train`) and checks what `train` checks before its first
 * step: options resolved by the same code (the schema, then the plugin's own resolveOptions), the
 * plugins created and fitting together. It trains and writes nothing.
 */
export const configCommand: CommandModule<object, { config: string; sources: boolean; set?: string | string[] }> = {
  command: 'config <config>',
  describe:
    'Print a run config as training uses it ("extends" merged, defaults filled in), after the checks train makes before its first step. ' +
    'Like train, it imports and creates the plugins the config names (their code runs), so check only configs you trust; it trains and writes nothing',
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
    // Plugins log as they are created (a reference structure used, a pool started): noise here.
    const resolved = await checkRunConfig(config, { ...assembleOptions(configDir, label), log: () => {} });
    if (argv.sources) for (const s of sources) log(relative(process.cwd(), s) || s);
    process.stdout.write(JSON.stringify(resolved, null, 2) + '\n');
  },
};
