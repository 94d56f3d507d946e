// The system.json format is core's contract between exporters (the OpenMM bridge) and engines.
export {
  parseSystemJson,
  loadSystemJson,
  formatSystemJson,
  writeSystemJson,
  type SystemParameters,
  type SystemAtom,
  type GbParameters,
} from '@embedcg/core/molecules';
