/**
 * Which weights the inference runs use, per model: the shipped ones until the person chooses others
 * (files, or a finished training run's result). Only the worker holds the weights; this store holds
 * what they are and talks to the worker to change them.
 */
import * as Comlink from 'comlink';
import { create } from 'zustand';
import type { ModelName } from '../models/model';
import type { WeightsInUse } from '../engine/protocol';
import type { ChosenFile } from '../models/weightsArchive';
import { readyEngineApi } from './engineStore';
import type { RunRecord } from './runsStore';

export interface WeightsState {
  /** Per model; absent: the shipped weights. */
  inUse: Partial<Record<ModelName, WeightsInUse>>;
  busy: boolean;
  error: string | null;
  /** Checks the chosen files in the worker and uses them for their model. */
  loadFiles(files: readonly File[]): Promise<void>;
  /** Uses a finished training run's weights for inference. */
  loadTrained(run: RunRecord): Promise<void>;
  restoreShipped(model: ModelName): Promise<void>;
  /** A training run's weights as one zip (model.json + float32 shards). */
  exportTrained(run: RunRecord): Promise<Blob>;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** How a training run's weights were made, for their manifest. */
function trainerOf(run: RunRecord): Record<string, unknown> {
  const last = run.result?.epochs.at(-1);
  return {
    framework: 'Crossbar Lab (TensorFlow.js, in the browser)',
    run: run.label,
    training: run.config.training,
    seed: run.config.experiment.seed,
    epochs: run.result?.epochs.length ?? 0,
    // On the first `images` test images only, so not the manifest's top1TestAccuracy (all 10,000).
    lastTestAccuracy: last ? { accuracy: last.testAccuracy, testImages: run.config.experiment.images } : null,
  };
}

async function packTrained(run: RunRecord): Promise<Uint8Array> {
  const weights = run.result?.weights;
  if (!weights) throw new Error(`${run.label} has no trained weights (stopped before its first step?)`);
  const api = await readyEngineApi();
  return api.exportWeights(run.config.experiment.model, weights, trainerOf(run));
}

export const useWeightsStore = create<WeightsState>()((set) => {
  /** Runs one change in the worker; a failure leaves the weights in use as they were and says why. */
  const change = async (work: () => Promise<WeightsInUse>) => {
    set({ busy: true, error: null });
    try {
      const now = await work();
      set((s) => ({ busy: false, inUse: { ...s.inUse, [now.model]: now } }));
    } catch (error) {
      set({ busy: false, error: describe(error) });
    }
  };
  const toWorker = async (files: ChosenFile[], source: string) => {
    const api = await readyEngineApi();
    return api.useWeightsFiles(
      Comlink.transfer(
        files,
        files.map((f) => f.bytes.buffer as ArrayBuffer),
      ),
      source,
    );
  };

  return {
    inUse: {},
    busy: false,
    error: null,

    loadFiles: (files) =>
      change(async () => {
        const chosen = await Promise.all(
          files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
        );
        return toWorker(chosen, files.map((f) => f.name).join(' + '));
      }),

    loadTrained: (run) =>
      change(async () =>
        toWorker([{ name: `${run.id}.zip`, bytes: await packTrained(run) }], `trained in ${run.label}`),
      ),

    restoreShipped: (model) => change(async () => (await readyEngineApi()).useShippedWeights(model)),

    async exportTrained(run) {
      const zip = await packTrained(run);
      return new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' });
    },
  };
});
