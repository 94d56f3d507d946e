// Entry of `@embedcg/core/tf/backend-wasm`: importing it registers the wasm backend (priority 2, so
// it becomes the default) with the engine of `@embedcg/core/tf`, whose code it shares.
export { setWasmPaths, setThreadsCount, getThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
