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

export interface PresetResult {
  preset: string;
  programSeconds: number;
  calibrateSeconds: number;
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
