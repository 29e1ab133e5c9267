/**
 * The tile inspector's job: programs one layer of a config's model as run 1 of an inference programs it
 * (the first chip of the experiment's seed), calibrates its converters on the first training images,
 * and returns one tile's conductances with real input vectors for the tile's rows — the layer's inputs
 * when the digital network reads those images.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CifarImages } from '../../data/cifar10';
import { makeBatch } from '../../data/augment';
import {
  DigitalRunner,
  imagesTensor,
  type LinearLayerRunner,
  type ModelDefinition,
  type WeightMap,
} from '../../models';
import type { ExperimentConfig } from '../../sim/config';
import { im2col } from '../../sim/im2col';
import { createRng } from '../../sim/rng';
import { programLayer, toAnalogSpec } from '../analogRunner';
import type { TileInspectionWithInputs } from '../protocol';

/** Images whose activations feed the tile inspector (and calibrate its converter ranges). */
export const INSPECTOR_IMAGES = 2;
/** Input vectors sent to the inspector's step-through and histogram. */
const INSPECTOR_VECTORS = 64;

export interface InspectTileInputs {
  config: ExperimentConfig;
  model: ModelDefinition;
  weights: WeightMap;
  /** At least INSPECTOR_IMAGES training images. */
  train: CifarImages;
  layerName: string;
  rowTile: number;
  colTile: number;
}

/** Runs the digital network on `x` (disposed) and returns (kept) the input of layer `name`. */
function captureLayerInput(
  model: ModelDefinition,
  weights: WeightMap,
  name: string,
  x: tf.Tensor4D,
): tf.Tensor {
  const digital = new DigitalRunner(weights);
  let captured: tf.Tensor | null = null;
  const capture = (input: tf.Tensor) => {
    if (!captured) captured = tf.keep(input.clone());
  };
  const runner: LinearLayerRunner = {
    conv2d: (layer, input, stride, padding) => {
      if (layer === name) capture(input);
      return digital.conv2d(layer, input, stride, padding);
    },
    dense: (layer, input) => {
      if (layer === name) capture(input);
      return digital.dense(layer, input);
    },
  };
  tf.dispose(model.forward(weights, runner, x));
  x.dispose();
  if (!captured) throw new Error(`layer "${name}" was not reached by the forward pass`);
  return captured;
}

export async function inspectTile(inputs: InspectTileInputs): Promise<TileInspectionWithInputs> {
  const { config, model, weights, layerName, rowTile, colTile } = inputs;
  const index = model.linearLayers.findIndex((l) => l.name === layerName);
  if (index < 0) throw new Error(`${model.name} has no layer "${layerName}"`);
  const spec = toAnalogSpec(model.linearLayers[index]!, index);
  const layer = await programLayer(
    model,
    index,
    weights,
    config,
    createRng(config.experiment.seed).fork('chip').fork(0).fork(layerName),
  );
  try {
    const images = makeBatch(
      inputs.train,
      Int32Array.from({ length: INSPECTOR_IMAGES }, (_, i) => i),
    );
    const captured = captureLayerInput(model, weights, layerName, imagesTensor(images.x, INSPECTOR_IMAGES));
    layer.calibrate(captured);
    const { rows, vectors } = tf.tidy(() => {
      const matrix = spec.kind === 'conv' ? im2col(captured as tf.Tensor4D, spec) : (captured as tf.Tensor2D);
      // The tile's rows (plan.tileRowIndex: not consecutive under the torch row order or NeuroSim's
      // per-kernel-position sub-arrays), as columns of the (kh, kw, cin)-ordered patches.
      const tileRows = layer.plan.tileRowIndex[rowTile]!;
      // Evenly spaced input vectors (conv: output pixels of the first images).
      const step = Math.max(1, Math.floor(matrix.shape[0] / INSPECTOR_VECTORS));
      const picked = tf.range(0, Math.min(INSPECTOR_VECTORS * step, matrix.shape[0]), step, 'int32');
      return {
        rows: tileRows.length,
        vectors: tf.gather(tf.gather(matrix, picked), tf.tensor1d(tileRows, 'int32'), 1),
      };
    });
    captured.dispose();
    const vectorValues = (await vectors.data()) as Float32Array;
    const numVectors = vectors.shape[0]!;
    vectors.dispose();
    return {
      ...(await layer.inspectTile(rowTile, colTile)),
      inputs: vectorValues,
      numVectors,
      inputRows: rows,
      inputScale: (await layer.readCalibration()).inputScale,
      inputSigned: layer.chip.inputSigned,
      groups: layer.chip.groups.map((g) => ({
        label: g.label,
        terms: g.terms,
        weightPerSiemens: g.weightPerSiemens,
        signedCurrents: g.signedCurrents,
      })),
    };
  } finally {
    layer.dispose();
  }
}
