/**
 * The devices of in-situ training: per-device parameters of the pulse update model
 * (src/sim/updateModels.ts), drawn once per run ('programming') for every analog kernel.
 * Sources: aihwkit PulsedDevice (dw_min, up_down and their device-to-device spreads, bounds);
 * NeuroSim V2.1 non-linear LTP/LTD (A from the NL label, d2d variation of NL).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelDefinition } from '../../../models';
import type { ExperimentConfig } from '../../../sim/config';
import type { Rng } from '../../../sim/rng';
import { aNormOfNonlinearity, type DeviceParams, type PulseUpdate } from '../../../sim/updateModels';

/** Device spreads, drawn once ('programming') for every analog kernel, keyed by layer name. */
export function drawDevices(model: ModelDefinition, config: ExperimentConfig, rng: Rng): Map<string, PulseUpdate> {
  const t = config.training;
  const p = t.pulsed;
  const out = new Map<string, PulseUpdate>();
  for (const layer of model.linearLayers) {
    const shape = model.params.find((q) => q.name === `${layer.name}/kernel`)!.shape;
    const size = shape.reduce((a, b) => a * b, 1);
    const r = rng.fork(layer.name);
    const normals = (label: string) => {
      const v = new Float32Array(size);
      r.fork(label).fillNormal(v);
      return v;
    };
    if (t.updateModel === 'neurosimNonlinear') {
      const n = t.neurosim;
      const span = p.wMax - p.wMin;
      const step = span / n.numLevels;
      // d2d: the non-linearity label itself varies per device, N(NL, d2dSigma) (NeuroSim V2.1).
      const perDeviceA = (label: number, key: string) => {
        if (n.d2dSigma === 0) return aNormOfNonlinearity(label) * n.numLevels;
        const xi = normals(key);
        return tf.tensor(
          Float32Array.from(xi, (z) => aNormOfNonlinearity(label + n.d2dSigma * z) * n.numLevels),
          [...shape],
        );
      };
      const params: DeviceParams = {
        dwUp: tf.fill([...shape], step),
        dwDown: tf.fill([...shape], step),
        wMax: tf.fill([...shape], p.wMax),
        wMin: tf.fill([...shape], p.wMin),
      };
      out.set(layer.name, {
        model: 'neurosimNonlinear',
        params,
        c2cSigma: n.c2cSigma,
        c2cRelativeTo: 'range',
        maxPulses: n.numLevels,
        aLtp: perDeviceA(n.nlLtp, 'nl-ltp'),
        aLtd: perDeviceA(n.nlLtd, 'nl-ltd'),
      });
    } else {
      // aihwkit PulsedDevice: Δw^d = dw_min·(1 + d·β + σ_dtod·ξ), β = up_down + σ_up_down_dtod·ξ'.
      const xi = normals('dw'),
        beta = normals('up-down'),
        hi = normals('w-max'),
        lo = normals('w-min');
      const dwUp = new Float32Array(size),
        dwDown = new Float32Array(size),
        wMax = new Float32Array(size),
        wMin = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        const b = p.upDown + p.upDownDtod * beta[i]!;
        dwUp[i] = Math.max(0, p.dwMin * (1 + b + p.dwMinDtod * xi[i]!));
        dwDown[i] = Math.max(0, p.dwMin * (1 - b + p.dwMinDtod * xi[i]!));
        wMax[i] = Math.max(1e-6, p.wMax * (1 + p.wMaxDtod * hi[i]!));
        wMin[i] = Math.min(-1e-6, p.wMin * (1 + p.wMinDtod * lo[i]!));
      }
      out.set(layer.name, {
        model: t.updateModel,
        params: {
          dwUp: tf.tensor(dwUp, [...shape]),
          dwDown: tf.tensor(dwDown, [...shape]),
          wMax: tf.tensor(wMax, [...shape]),
          wMin: tf.tensor(wMin, [...shape]),
        },
        c2cSigma: p.dwMinStd,
        c2cRelativeTo: 'step',
      });
    }
  }
  return out;
}

export function disposeDevices(devices: Map<string, PulseUpdate>): void {
  for (const d of devices.values()) {
    tf.dispose(Object.values(d.params));
    if (d.aLtp instanceof tf.Tensor) d.aLtp.dispose();
    if (d.aLtd instanceof tf.Tensor) d.aLtd.dispose();
  }
}
