/**
 * Top-1 accuracy of the shipped weights with Crossbar Lab's own digital forward pass (tfjs WASM backend
 * in Node) on the CIFAR-10 test set, all 10,000 images by default.
 *
 *   npm run eval-weights -- --model vgg8|googlenet [--write] [--limit N] [--batch 100] [--dir public/models/<m>]
 *
 * --write stores the result in model.json's manifest.top1TestAccuracy (only that field changes; the file
 * is rewritten as JSON.stringify(…, null, 2) + newline). It needs a full 10,000-image run.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DigitalRunner, getModel, isModelName } from '../src/models/index';
import { selectBackend } from './lib/backend';
import { readCifarTestRecords } from './lib/cifarFiles';
import { nodeFileFetch } from './lib/nodeFiles';
import { repoRoot } from './lib/paths';
import { formatModelJson, loadWeights } from '../src/models/weights';

const TEST_SET_SIZE = 10_000;

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    write: { type: 'boolean', default: false },
    limit: { type: 'string' },
    batch: { type: 'string', default: '100' },
    dir: { type: 'string' },
  },
});
const name = values.model;
if (!isModelName(name)) {
  console.error(
    'usage: eval-weights --model vgg8|googlenet [--write] [--limit N] [--batch 100] [--dir folder]',
  );
  process.exit(2);
}
const limit = values.limit === undefined ? TEST_SET_SIZE : Number(values.limit);
const batchSize = Number(values.batch);
if (
  !(Number.isInteger(limit) && limit >= 1 && limit <= TEST_SET_SIZE) ||
  !(Number.isInteger(batchSize) && batchSize >= 1)
) {
  console.error(`--limit must be 1…${TEST_SET_SIZE} and --batch a positive integer`);
  process.exit(2);
}
if (values.write && limit !== TEST_SET_SIZE) {
  console.error('--write needs the full test set (no --limit)');
  process.exit(2);
}

const weightsDir = path.resolve(values.dir ?? path.join(repoRoot, 'public/models', name));
await selectBackend('wasm');
const model = getModel(name);
const { tensors, modelJson } = await loadWeights(model, nodeFileFetch(weightsDir));
const records = readCifarTestRecords(limit);
const runner = new DigitalRunner(tensors);
const pixelsPerImage = 32 * 32 * 3;
console.log(`${name}: ${weightsDir}, ${limit} test images, batch ${batchSize}, backend ${tf.getBackend()}`);

let correct = 0;
const start = performance.now();
let lastReport = start;
for (let first = 0; first < limit; first += batchSize) {
  const n = Math.min(batchSize, limit - first);
  const predictions = tf.tidy(() => {
    const x = tf.tensor4d(records.images.subarray(first * pixelsPerImage, (first + n) * pixelsPerImage), [
      n,
      32,
      32,
      3,
    ]);
    return tf.argMax(model.forward(tensors, runner, x), 1);
  });
  const predicted = (await predictions.data()) as Int32Array;
  predictions.dispose();
  for (let i = 0; i < n; i++) if (predicted[i] === records.labels[first + i]) correct++;
  const done = first + n;
  const now = performance.now();
  if (now - lastReport > 5000 || done === limit) {
    lastReport = now;
    const seconds = (now - start) / 1000;
    console.log(
      `  ${done}/${limit} images, running top-1 ${((100 * correct) / done).toFixed(2)} %, ${(done / seconds).toFixed(1)} images/s`,
    );
  }
}
const seconds = (performance.now() - start) / 1000;
const top1 = correct / limit;
console.log(
  `${name} top-1: ${correct}/${limit} = ${(100 * top1).toFixed(2)} % (${seconds.toFixed(1)} s, ${(limit / seconds).toFixed(1)} images/s)`,
);
for (const t of tensors.values()) t.dispose();

if (values.write) {
  const file = path.join(weightsDir, 'model.json');
  const text = readFileSync(file, 'utf8');
  const json = JSON.parse(text) as { manifest: { top1TestAccuracy?: number | null } };
  if (formatModelJson(json) !== text)
    console.warn(`note: ${file} was not in JSON.stringify(…, null, 2) form; rewriting it in that form`);
  json.manifest.top1TestAccuracy = top1;
  writeFileSync(file, formatModelJson(json));
  console.log(
    `wrote manifest.top1TestAccuracy = ${top1} to ${file} (previously ${modelJson.manifest.top1TestAccuracy ?? 'null'})`,
  );
}
