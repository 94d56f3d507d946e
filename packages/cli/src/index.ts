export { main } from './main.js';
export { listPlugins, type PluginRow } from './commands/plugins.js';
export { fullSchema } from './commands/schema.js';
export { writeSamplesCsv, writeSamplesDcd } from './commands/sample.js';
