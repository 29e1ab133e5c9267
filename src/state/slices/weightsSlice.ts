/**
 * Which weights the inference runs use, per model: the shipped ones until the person chooses others
 * (files, or a finished training run's result). Only the worker holds the weights; this slice holds what
 * they are and asks the worker to change them.
 */
import * as Comlink from 'comlink';
import type { WeightsInUse } from '../../engine/protocol';
import type { ModelName } from '../../models/model';
import type { ChosenFile } from '../../models/weightsArchive';
import { errorMessage } from '../../sim/errors';
import type { LabSlice } from '../store';
import type { RunRecord } from './runsSlice';

export interface WeightsSlice {
  /** Per model; absent: the shipped weights. */
  weightsInUse: Partial<Record<ModelName, WeightsInUse>>;
  weightsBusy: boolean;
  weightsError: string | null;
  /** Checks the chosen files in the worker and uses them for their model. */
  loadWeightsFiles(files: readonly File[]): Promise<void>;
  /** Uses a finished training run's weights for inference. */
  useTrainedWeights(run: RunRecord): Promise<void>;
  restoreShippedWeights(model: ModelName): Promise<void>;
  /** A training run's weights as one zip (model.json + float32 shards). */
  exportTrainedWeights(run: RunRecord): Promise<Blob>;
}

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

export const createWeightsSlice: LabSlice<WeightsSlice> = (set, get) => {
  const packTrained = async (run: RunRecord): Promise<Uint8Array> => {
    const weights = run.result?.weights;
    if (!weights) throw new Error(`${run.label} has no trained weights (stopped before its first step?)`);
    const api = await get().engineApi();
    return api.exportWeights(run.config.experiment.model, weights, trainerOf(run));
  };
  /** Runs one change in the worker; a failure leaves the weights in use as they were and says why. */
  const change = async (work: () => Promise<WeightsInUse>) => {
    set({ weightsBusy: true, weightsError: null });
    try {
      const now = await work();
      set((s) => ({ weightsBusy: false, weightsInUse: { ...s.weightsInUse, [now.model]: now } }));
    } catch (error) {
      set({ weightsBusy: false, weightsError: errorMessage(error) });
    }
  };
  const toWorker = async (files: ChosenFile[], source: string) => {
    const api = await get().engineApi();
    return api.useWeightsFiles(
      Comlink.transfer(
        files,
        files.map((f) => f.bytes.buffer as ArrayBuffer),
      ),
      source,
    );
  };

  return {
    weightsInUse: {},
    weightsBusy: false,
    weightsError: null,

    loadWeightsFiles: (files) =>
      change(async () => {
        const chosen = await Promise.all(
          files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
        );
        return toWorker(chosen, files.map((f) => f.name).join(' + '));
      }),

    useTrainedWeights: (run) =>
      change(async () =>
        toWorker([{ name: `${run.id}.zip`, bytes: await packTrained(run) }], `trained in ${run.label}`),
      ),

    restoreShippedWeights: (model) => change(async () => (await get().engineApi()).useShippedWeights(model)),

    async exportTrainedWeights(run) {
      const zip = await packTrained(run);
      return new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' });
    },
  };
};
