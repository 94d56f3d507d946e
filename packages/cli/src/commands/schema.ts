import type { CommandModule } from 'yargs';
import { discoverPlugins, resolveOptionsFor, runConfigSchema } from '@embedcg/core';
import { assembleOptions } from '../context.js';

export async function fullSchema() {
  const { packages } = await discoverPlugins(resolveOptionsFor(assembleOptions(process.cwd())));
  return runConfigSchema(
    packages.flatMap((p) =>
      p.plugins.map((d) => ({ kind: d.kind, package: p.packageName, name: d.name, schema: d.optionsSchema })),
    ),
  );
}

export const schemaCommand: CommandModule = {
  command: 'schema',
  describe: "Print the JSON Schema of run configs, with every installed plugin's options",
  builder: (y) => y.example('$0 schema > embedcg.schema.json', 'save the schema for editor completion ($schema)'),
  handler: async () => {
    process.stdout.write(JSON.stringify(await fullSchema(), null, 2) + '\n');
  },
};
