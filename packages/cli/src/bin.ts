#!/usr/bin/env node
import { main } from './main.js';
import { exitOnOutputError, exitWhenFlushed } from './exit.js';

exitOnOutputError();
const code = await main();
// Workers, child processes and tfjs can hold the event loop, so a finished command must exit; but
// only once stdout and stderr have handed everything to a slow reader of a pipe.
await exitWhenFlushed(code);
