/**
 * Vitest setup (Node): the CPU backend, which the umbrella @tensorflow/tfjs used to register on import —
 * tfjs-core alone has no backend. Tests that want WASM select it with selectBackend (./backend.ts).
 */
import '@tensorflow/tfjs-backend-cpu';
