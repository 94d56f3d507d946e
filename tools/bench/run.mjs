#!/usr/bin/env node
// `npm run bench -- NAME [args]` runs tools/bench/NAME.mjs; each bench writes bench-results/NAME.json.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter(
    (f) =>
      f.endsWith('.mjs') &&
      !['run.mjs', 'lib.mjs'].includes(f) &&
      !f.endsWith('-lib.mjs') &&
      !f.endsWith('-worker.mjs'),
  )
  .map((f) => f.slice(0, -4));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(
    `usage: npm run bench -- NAME [options]\n${name ? `unknown benchmark "${name}". ` : ''}Available: ${available.join(', ')}`,
  );
  process.exit(2);
}
process.argv.splice(2, 1);
await import(pathToFileURL(join(here, `${name}.mjs`)).href);
