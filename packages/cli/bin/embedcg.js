#!/usr/bin/env node
// Committed so that npm links the `embedcg` bin at install time, before the first build has made
// dist/ (npm skips a bin whose file does not exist yet). It runs the built CLI.
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write('error: embedcg is not built yet; run `npm run build` in the workspace first\n');
  process.exit(1);
}
await import(built.href);
