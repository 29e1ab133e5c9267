/**
 * Divergence checks of a training run: a run whose loss or weights turn NaN or ±Infinity ends with a
 * message naming the epoch, the batch and the first broken weight, and never tests or returns broken
 * weights. Epochs and batches count from 0 here and from 1 in the messages.
 */
import type { ModelDefinition, WeightMap } from '../../../models';
import { firstNonFinite, nonFiniteText } from '../../../models/weightsFormat';

/** Every parameter's values, in the model's order: to check, and to return as the result. */
export async function readParams(model: ModelDefinition, params: WeightMap): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const p of model.params) out.set(p.name, (await params.get(p.name)!.data()) as Float32Array);
  return out;
}

/** Throws when a batch's loss is not finite; the message also names the first non-finite weight. */
export async function checkLoss(
  loss: number,
  epoch: number,
  batch: number,
  read: () => Promise<Map<string, Float32Array>>,
): Promise<void> {
  if (Number.isFinite(loss)) return;
  const bad = firstNonFinite(await read());
  throw new Error(
    `The training run diverged in epoch ${epoch + 1}, batch ${batch + 1}: the loss is ${loss}${bad ? `, and ${nonFiniteText(bad)}` : ''}.`,
  );
}

/**
 * Throws when a weight is not finite after an epoch's last update (`batch`): that update can break a
 * weight while the loss is still finite, and the test pass must never run on broken weights.
 */
export function checkWeightsAfterUpdate(weights: Map<string, Float32Array>, epoch: number, batch: number): void {
  const bad = firstNonFinite(weights);
  if (bad) {
    throw new Error(
      `The training run diverged in epoch ${epoch + 1}, batch ${batch + 1}: after the update, ${nonFiniteText(bad)}.`,
    );
  }
}

/**
 * Throws unless every value is finite: weights are offered for export or inference only then (a run
 * stopped after a breaking update, before the next check, would otherwise slip through).
 */
export function checkExportable(weights: Map<string, Float32Array>): void {
  const bad = firstNonFinite(weights);
  if (bad) throw new Error(`The training run's weights were refused: ${nonFiniteText(bad)}.`);
}
