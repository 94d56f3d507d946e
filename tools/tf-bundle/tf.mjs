// Entry of the TensorFlow.js bundle that @embedcg/core ships as `@embedcg/core/tf`: what the
// umbrella @tensorflow/tfjs gives in Node minus layers, converter, data and webgl. The gradient
// registrations must be imported explicitly: tfjs-core's own entry does not register them.
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
export * from '@tensorflow/tfjs-core';
