import { beforeAll, expect, it } from 'vitest';
import { useCpuBackend } from '../testUtils';
import { canUseFusedKernels, webgpuBackend } from './index';

beforeAll(useCpuBackend);

it('fused kernels are off on the cpu backend', () => {
  expect(canUseFusedKernels()).toBe(false);
  expect(() => webgpuBackend()).toThrow(/webgpu backend, not cpu/);
});
