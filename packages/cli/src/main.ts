/** The embedcg command line. Each command lives in commands/<name>.ts. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { CommandModule } from 'yargs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cliDir, exitCodeFor } from './context.js';
import { Interrupted, UsageError } from './errors.js';
import { pluginsCommand } from './commands/plugins.js';
import { schemaCommand } from './commands/schema.js';
import { configCommand } from './commands/config.js';
import { trainCommand } from './commands/train.js';
import { sampleCommand } from './commands/sample.js';
import { evaluateCommand } from './commands/evaluate.js';

/** Commands contributed by optional files (added as their packages land). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- yargs' CommandModule is invariant in its argument types; a list of commands needs any
async function optionalCommands(): Promise<CommandModule<any, any>[]> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  const out: CommandModule<any, any>[] = [];
  for (const [file, name] of [
    ['energy', 'energyCommand'],
    ['md', 'mdCommand'],
    ['prepare', 'prepareCommand'],
    ['report', 'reportCommand'],
    ['cvs', 'cvsCommand'],
    ['decode', 'decodeCommand'],
  ] as const) {
    const p = join(cliDir, 'commands', `${file}.js`);
    if (existsSync(p)) out.push((await import(pathToFileURL(p).href))[name]);
  }
  return out;
}

export async function main(args = hideBin(process.argv)): Promise<number> {
  let code = 0;
  let hint: string | undefined;
  let reported = false;
  const cli = yargs(args)
    .scriptName('embedcg')
    .usage('$0 <command> [options]\n\nData-free generative coarse-graining and CV discovery from a force field.')
    .command(trainCommand)
    .command(sampleCommand)
    .command(evaluateCommand)
    .command(pluginsCommand)
    .command(schemaCommand)
    .command(configCommand);
  for (const c of await optionalCommands()) cli.command(c);
  cli
    .demandCommand(1, 'name a command; see --help')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .epilogue('Exit codes: 0 ok, 1 failure during work, 2 bad usage or bad input.')
    .fail((msg, err) => {
      if (err) throw err;
      // yargs reports "Did you mean …?" in a call of its own, before the problem it belongs to.
      if (/^Did you mean/.test(msg)) {
        hint = msg;
        code = 2;
        return;
      }
      // Throwing (not returning) matters: when this handler returns, yargs still runs the command.
      throw new UsageError(`${msg.replace(/\.?$/, '.')}${hint ? ` ${hint}` : ''}\nRun with --help for usage.`);
    });
  try {
    // Inside try: yargs throws some validation failures synchronously from parseAsync itself.
    await cli.parseAsync();
  } catch (err: unknown) {
    const e = err as Error;
    reported = true;
    if (err instanceof Interrupted) return 130;
    code = exitCodeFor(err);
    process.stderr.write(`error: ${e?.message ?? String(err)}\n`);
    if (process.env.EMBEDCG_DEBUG) process.stderr.write(`${e?.stack}\n`);
  }
  if (hint && code === 2 && !reported) process.stderr.write(`error: ${hint}\nRun with --help for usage.\n`);
  return code;
}
