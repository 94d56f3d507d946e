#!/usr/bin/env node
import { main } from './main.js';

const code = await main();
// Workers, child processes and tfjs can hold the event loop; a finished command must exit.
process.exit(code);
