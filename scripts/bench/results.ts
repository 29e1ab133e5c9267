/** What the bench measures, as plain data: logged by the report, written by --json, sent back by the page. */
import type { ModelName } from '../../src/models/index';

export interface ProfileResult {
  simMs: number;
  kernelMs: number;
  outsideKernelsMs: number;
  topKernels: { kernel: string; ms: number }[];
  normalDraws: number;
  normalDrawsMsEstimate: number;
  topLayers: { layer: string; simMs: number; digitalMs: number }[];
}

/** Which summary figure a row gives: the default config on 128×128 tiles (the config's own) or 16×16 tiles. */
export type SummaryTiles = '128x128' | '16x16';

/** The calibration pass against one simulated batch of the same images, both timed after the warm-up. */
export interface CalibrationTiming {
  /** Training images calibrated on (periphery.calibrationImages, at most what the set holds). */
  images: number;
  /** The job's calibration pass before any read (kernels still cold). */
  firstSeconds: number;
  /** The calibration pass again, after the warm-up batch (same images and stream: same ranges). */
  seconds: number;
  /** One simulated (reading, not calibrating) batch of the same images. */
  batchSeconds: number;
}

/** A case's cost target: the largest ratio t_sim / t_digital it may reach, and where that comes from. */
export interface CostTarget {
  ratio: number;
  source: string;
}

export interface PresetResult {
  /** The preset's id, or 'default' / 'default 16x16' for the default config. */
  preset: string;
  summary: SummaryTiles | null;
  target: CostTarget;
  programSeconds: number;
  /** null when the config needs no calibration. */
  calibration: CalibrationTiming | null;
  chipMB: number;
  peakMB: number | null;
  digitalImagesPerSecond: number;
  simImagesPerSecond: number;
  /** Median of the paired ratios t_sim / t_digital. */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  simAccuracy: number;
  profile?: ProfileResult;
}

export interface ModelResult {
  model: ModelName;
  images: number;
  batch: number;
  repeats: number;
  weightsMB: number;
  digitalPeakMB: number | null;
  digitalImagesPerSecond: number;
  digitalAccuracy: number;
  presets: PresetResult[];
}
