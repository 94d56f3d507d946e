// tsc does not mark outputs executable; the CLI's bin must be, for `npx embedcg` in a fresh clone
// (npm links the bin at install time, before the build has written it).
import { chmodSync, existsSync } from 'node:fs';
const bin = new URL('../packages/cli/dist/bin.js', import.meta.url);
if (existsSync(bin)) chmodSync(bin, 0o755);
