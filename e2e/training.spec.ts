import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { runToEnd, waitForEngine, watchConsole, workerTensors } from './helpers';

/**
 * VGG-8 training in the browser (issue 4): a tiny run on WebGPU (SwiftShader here: ~1 s of CPU per
 * training image) streams its epochs into the charts; its weights download as one zip, load again
 * through "Load weights…", and an inference run uses them. Bad files are refused with the reason.
 */
test('VGG-8 trains on WebGPU and streams epochs; its weights export, load again and run inference', async ({
  page,
}) => {
  test.setTimeout(480_000);
  const errors = watchConsole(page);
  // Two epochs of 16 training images in batches of 8, tested on 8 images; the inference settings
  // (one run, 2 calibration images) are for the run on the trained weights at the end.
  await page.goto(
    '/?backend=webgpu&routine=training&trainImages=16&batchSize=8&epochs=2&images=8&runs=1&calibrationImages=2',
  );
  expect(await waitForEngine(page)).toBe('webgpu');
  await expect(page.getByTestId('run-summary')).toContainText(
    'training for 2 epochs on the first 16 training images, tested on 8 test images',
  );

  await page.getByRole('button', { name: '▶ Run' }).click();
  await runToEnd(page, 'finished', 400_000);
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', '2');
  await expect(page.getByTestId('epoch-accuracy-chart')).toHaveAttribute('data-series', '1');
  const trainedRow = page.locator('tr[data-run="run-1"]');
  await expect(trainedRow.getByTestId('run-accuracy')).toContainText('%');

  // Export: one zip holding model.json and float32 shards whose SHA-256 the manifest states.
  const downloading = page.waitForEvent('download');
  await trainedRow.getByRole('button', { name: 'Export weights' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('crossbar-lab-run-1-vgg8-weights.zip');
  const zipPath = await download.path();
  const files = unzipSync(readFileSync(zipPath));
  const modelJson = JSON.parse(strFromU8(files['model.json']!)) as {
    model: string;
    weightsManifest: { paths: string[]; weights: { name: string; shape: number[] }[] }[];
    manifest: { sha256: Record<string, string>; trainer: { epochs: number } };
  };
  expect(modelJson.model).toBe('vgg8');
  // The same tensors, names and shapes as the shipped weights (written by the PyTorch trainer).
  const shipped = JSON.parse(readFileSync('public/models/vgg8/model.json', 'utf8')) as typeof modelJson;
  const group = modelJson.weightsManifest[0]!;
  const entries = (g: typeof group) => g.weights.map((w) => `${w.name} [${w.shape.join(',')}]`);
  expect(entries(group)).toEqual(shipped.weightsManifest.flatMap(entries));
  const values = group.weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
  let bytes = 0;
  for (const path of group.paths) {
    const shard = files[path]!;
    bytes += shard.byteLength;
    expect(createHash('sha256').update(shard).digest('hex')).toBe(modelJson.manifest.sha256[path]);
  }
  expect(bytes).toBe(4 * values);
  expect(modelJson.manifest.trainer.epochs).toBe(2);

  // A file that is not a weights set is refused with the reason; the shipped weights stay in use.
  const picker = page.getByTestId('weights-in-use');
  const choose = async (files: Parameters<import('@playwright/test').FileChooser['setFiles']>[0]) => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Load weights…' }).click();
    await (await chooser).setFiles(files);
  };
  await choose({ name: 'model.json', mimeType: 'application/json', buffer: Buffer.from('{"model":"vgg8"}') });
  await expect(picker.getByRole('alert')).toContainText('not a weights file');
  await expect(picker).toHaveAttribute('data-source', 'shipped');

  // Load the exported zip, then run inference on it.
  const zipName = download.suggestedFilename();
  await choose({ name: zipName, mimeType: 'application/zip', buffer: readFileSync(zipPath) });
  await expect(picker).toHaveAttribute('data-source', zipName);
  const withLoaded = await workerTensors(page);
  await expect(picker.getByRole('alert')).toHaveCount(0);
  await page.getByLabel('Routine', { exact: true }).selectOption('inference');
  await page.getByRole('button', { name: '▶ Run' }).click();
  await runToEnd(page, 'finished', 300_000);
  const inferenceRow = page.locator('tr[data-run="run-2"]');
  await expect(inferenceRow.getByRole('textbox')).toHaveValue(`Run 2 · VGG-8 inference · ${zipName}`);
  const accuracy = Number(await inferenceRow.getByTestId('run-accuracy').getAttribute('data-value'));
  expect(accuracy).toBeGreaterThanOrEqual(0);
  expect(accuracy).toBeLessThanOrEqual(1);
  // The digital baseline is the loaded weights' own, measured on the same 8 images.
  await expect(inferenceRow.getByTestId('run-baseline')).toContainText('%');

  // Back to the shipped weights: their manifest's baseline is known again.
  await page.getByRole('button', { name: 'Use shipped weights' }).click();
  await expect(picker).toHaveAttribute('data-source', 'shipped');
  await expect(picker).toContainText('digital top-1 92.28 %');
  // The loaded set was disposed when the shipped one replaced it (same number of weight tensors).
  expect(await workerTensors(page)).toBe(withLoaded);
  await page.screenshot({ path: 'e2e/screenshots/training-weights.png', fullPage: true });
  expect(errors).toEqual([]);
});
