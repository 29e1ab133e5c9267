import { beforeAll, expect, it } from 'vitest';
import { canUseFusedKernels, webgpuBackend } from './index';
import { useWebGpuBackend } from './webgpuTestUtils';

beforeAll(useWebGpuBackend);

it('fused kernels are on with the webgpu backend', () => {
  expect(canUseFusedKernels()).toBe(true);
  expect(typeof webgpuBackend().runWebGPUProgram).toBe('function');
});
