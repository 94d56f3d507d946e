import type { CommandModule } from 'yargs';
import { discoverPlugins, resolveOptionsFor } from '@embedcg/core';
import { assembleOptions } from '../context.js';

export interface PluginRow {
  name: string;
  package: string;
  version: string;
  kind: string;
  apiVersion: number;
  description?: string;
}

/** Every plugin visible from the current folder and from the CLI's own install. */
export async function listPlugins(): Promise<{ rows: PluginRow[]; failures: string[] }> {
  const { packages, failures } = await discoverPlugins(resolveOptionsFor(assembleOptions(process.cwd())));
  const rows = packages.flatMap((p) =>
    p.plugins.map((d) => ({
      name: d.name,
      package: p.packageName,
      version: d.version,
      kind: d.kind,
      apiVersion: d.apiVersion,
      description: d.description,
    })),
  );
  return { rows, failures };
}

export const pluginsCommand: CommandModule<object, { json: boolean }> = {
  command: 'plugins',
  describe: 'List installed plugins with version, kind and apiVersion',
  builder: (y) =>
    y
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print an array of {name, package, version, kind, apiVersion}',
      })
      .example('$0 plugins --json', 'machine-readable list'),
  handler: async (argv) => {
    const { rows, failures } = await listPlugins();
    if (argv.json) {
      process.stdout.write(
        JSON.stringify(
          rows.map(({ description: _d, ...r }) => r),
          null,
          2,
        ) + '\n',
      );
    } else {
      const w = (k: keyof PluginRow) => Math.max(String(k).length, ...rows.map((r) => String(r[k] ?? '').length));
      const cols: Array<keyof PluginRow> = ['package', 'name', 'kind', 'version', 'apiVersion'];
      process.stdout.write(cols.map((c) => String(c).padEnd(w(c))).join('  ') + '  description\n');
      for (const r of rows)
        process.stdout.write(cols.map((c) => String(r[c]).padEnd(w(c))).join('  ') + `  ${r.description ?? ''}\n`);
    }
    for (const f of failures) process.stderr.write(`warning: plugin package failed to load: ${f}\n`);
  },
};
