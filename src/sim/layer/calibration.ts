/**
 * Calibration ('calibrated' modes): the input range ν = the p-th percentile of |x| and, per read group,
 * the ADC full scale = the p-th percentile of |I| over every row tile's noiseless read of a calibration
 * batch. The ranges stay on the device as scalars (no read-back), read back asynchronously on request.
 */
import * as tf from '@tensorflow/tfjs-core';
import { wasmAbsMax } from '../kernels/wasm/adc';
import type { CalibrationState } from '../chip';
import type { LayerState } from './state';

/** Samples kept per group to estimate a calibration percentile (the maximum is always exact). */
const CALIBRATION_SAMPLE_CAP = 1 << 20;

/** The calibrated modes of a config that need a calibration pass. */
export function calibratesAdc(config: LayerState['config']): boolean {
  const p = config.periphery;
  return p.adcRange === 'calibrated' && p.adcBits > 0;
}

/** Records the calibrated input range ν (the p-th percentile of |x|) into `state.calibration`. */
export function calibrateInputScale(state: LayerState, x: tf.Tensor): void {
  const p = state.config.periphery;
  if (p.inputScaling !== 'calibrated') return;
  const calibration = state.calibration;
  const previous = calibration.inputScale;
  calibration.inputScale = tf.keep(
    tf.tidy(() => {
      // The maximum is exact (on wasm one read of x, `wasmAbsMax`); other percentiles come from a
      // strided sample.
      const q = p.inputCalibrationPercentile;
      const fast = q >= 100 ? wasmAbsMax([x]) : null;
      const v =
        fast !== null
          ? tf.scalar(fast)
          : q >= 100
            ? tf.max(tf.abs(x))
            : absPercentileOnDevice(strided(tf.abs(x)), q);
      return tf.where(tf.greater(v, 0), v, tf.onesLike(v)) as tf.Scalar;
    }),
  );
  previous?.dispose();
}

/**
 * Per group, the running statistics of |I| over a calibration batch's currents (per group, per row tile):
 * max |I| (percentile 100) or strided samples of |I| ([T, Z·M, cols] stacked, so the sample strides over
 * every row tile's read). `previous`: the statistics of the chunks before.
 */
export function accumulateAdcStatistics(
  previous: tf.Tensor[] | null,
  currents: tf.Tensor2D[][],
  percentile: number,
): tf.Tensor[] {
  return currents.map((parts, gi) => {
    if (percentile >= 100) {
      // On wasm one read of the currents (`wasmAbsMax`); elsewhere on the device.
      const fast = wasmAbsMax(parts);
      const max = fast !== null ? tf.scalar(fast) : tf.max(tf.abs(tf.stack(parts)));
      return previous ? tf.maximum(previous[gi]!, max) : max;
    }
    const abs = tf.abs(tf.stack(parts));
    const sampled = strided(abs);
    return previous ? tf.concat([previous[gi]!, sampled]) : sampled;
  });
}

/** The calibrated ADC full scale of each group from its statistics (which it disposes), kept on the device. */
export function setAdcFullScales(state: LayerState, statistics: tf.Tensor[], percentile: number): void {
  // Kept: a calibration pass runs inside the model's tidy, which must not free the ranges.
  const fullScale = statistics.map((k) =>
    tf.keep(
      percentile >= 100
        ? (k as tf.Scalar)
        : tf.tidy(() => absPercentileOnDevice(k as tf.Tensor1D, percentile)),
    ),
  );
  if (percentile < 100) tf.dispose(statistics);
  if (state.calibration.adcFullScale) tf.dispose(state.calibration.adcFullScale);
  state.calibration.adcFullScale = fullScale;
}

export async function readCalibration(state: LayerState): Promise<CalibrationState> {
  const { inputScale, adcFullScale } = state.calibration;
  const read = async (t: tf.Scalar) => (await t.data())[0]!;
  return {
    inputScale: inputScale ? await read(inputScale) : null,
    adcFullScaleAmperes: adcFullScale ? await Promise.all(adcFullScale.map(read)) : null,
  };
}

/** A strided sample (≤ CALIBRATION_SAMPLE_CAP values) of a tensor, flattened. */
function strided(t: tf.Tensor): tf.Tensor1D {
  const f = tf.reshape(t, [-1]) as tf.Tensor1D;
  const stride = Math.ceil(f.size / CALIBRATION_SAMPLE_CAP);
  return stride > 1 ? (tf.stridedSlice(f, [0], [f.size], [stride]) as tf.Tensor1D) : f;
}

/**
 * mapping.ts `absPercentile` on the device, for non-negative values: linear interpolation between the
 * sorted values at p/100·(n − 1), both taken from tf.topk's descending order (index n − 1 − i holds the
 * i-th smallest). The schema keeps p above 50, so topk never returns more than about half the values.
 */
function absPercentileOnDevice(values: tf.Tensor1D, p: number): tf.Scalar {
  const n = values.size;
  if (n === 0) return tf.scalar(0);
  if (p >= 100) return tf.max(values);
  const pos = (p / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const top = tf.topk(values, n - lo).values;
  const a = tf.slice(top, [n - 1 - lo], [1]);
  const b = tf.slice(top, [n - 1 - hi], [1]);
  return tf.reshape(tf.add(a, tf.mul(tf.sub(b, a), pos - lo)), []) as tf.Scalar;
}
