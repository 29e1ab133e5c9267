/**
 * Calibration ('calibrated' modes): the input range ν = the p-th percentile of |x| and, per read group,
 * the ADC full scale = the p-th percentile of |I| over every row tile's noiseless read of a calibration
 * batch. The ranges stay on the device as scalars (no read-back), read back asynchronously on request.
 */
import * as tf from '@tensorflow/tfjs';
import type { CalibrationState } from '../chip';
import {
  globalInputScale,
  readChunks,
  scaledChunkInputs,
  tileInputs,
  vectorScale,
  type TileInputs,
} from './dacInputs';
import { groupCurrents } from './readCurrents';
import type { LayerState } from './state';

/** Samples kept per group to estimate a calibration percentile (the maximum is always exact). */
const CALIBRATION_SAMPLE_CAP = 1 << 20;

/** Records the calibrated ranges of `state.config` from the batch x into `state.calibration`. */
export function calibrate(state: LayerState, x: tf.Tensor): void {
  const p = state.config.periphery;
  const calibration = state.calibration;
  if (p.inputScaling === 'calibrated') {
    const previous = calibration.inputScale;
    calibration.inputScale = tf.keep(
      tf.tidy(() => {
        // The maximum is exact; other percentiles come from a strided sample.
        const abs = tf.abs(x);
        const q = p.inputCalibrationPercentile;
        const v = q >= 100 ? tf.max(abs) : absPercentileOnDevice(strided(abs), q);
        return tf.where(tf.greater(v, 0), v, tf.onesLike(v)) as tf.Scalar;
      }),
    );
    previous?.dispose();
  }
  if (p.adcRange !== 'calibrated' || p.adcBits === 0) return;
  const chunks = readChunks(state, x);
  const percentile = p.adcCalibrationPercentile;
  const nuGlobal = p.inputScaling === 'perVector' ? null : tf.tidy(() => globalInputScale(state, x)!);
  const image = nuGlobal ? scaledChunkInputs(state, x, nuGlobal, chunks) : null;
  // Per group: the running max |I| (percentile 100) or the strided samples of |I| of every chunk.
  let kept: tf.Tensor[] | null = null;
  for (let c = 0; c < chunks.count; c++) {
    const previous: tf.Tensor[] | null = kept;
    kept = tf.tidy(() => {
      let inputs: TileInputs;
      if (image) inputs = image.of(c);
      else {
        const P = chunks.patches(c);
        inputs = tileInputs(state, tf.div(P, vectorScale(P)) as tf.Tensor2D);
      }
      return state.chip.groups.map((_, gi) => {
        // Stacked [T, Z·M, cols], so the sample strides over every row tile's read.
        const abs = tf.abs(tf.stack(groupCurrents(state, gi, inputs, null, null)));
        if (percentile >= 100) return previous ? tf.maximum(previous[gi]!, tf.max(abs)) : tf.max(abs);
        const sampled = strided(abs);
        return previous ? tf.concat([previous[gi]!, sampled]) : sampled;
      });
    });
    if (previous) tf.dispose(previous);
  }
  image?.dispose();
  if (nuGlobal && nuGlobal !== state.calibration.inputScale) nuGlobal.dispose();
  // Kept: a calibration pass runs inside the model's tidy, which must not free the ranges.
  const fullScale = kept!.map((k) =>
    tf.keep(
      percentile >= 100
        ? (k as tf.Scalar)
        : tf.tidy(() => absPercentileOnDevice(k as tf.Tensor1D, percentile)),
    ),
  );
  if (percentile < 100) tf.dispose(kept!);
  if (calibration.adcFullScale) tf.dispose(calibration.adcFullScale);
  calibration.adcFullScale = fullScale;
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
  const f = t.reshape([-1]) as tf.Tensor1D;
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
  const a = top.slice([n - 1 - lo], [1]);
  const b = top.slice([n - 1 - hi], [1]);
  return tf.add(a, tf.mul(tf.sub(b, a), pos - lo)).reshape([]) as tf.Scalar;
}
