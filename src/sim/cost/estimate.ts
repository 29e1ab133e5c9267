/**
 * Hardware cost estimate of a model on the tile plan of an `ExperimentConfig`, shaped like NeuroSim's
 * (simulators-and-nonidealities.md §2.9): per layer and per tile — array, ADCs, DACs/drivers, shift-add
 * and accumulation, buffers — area, energy per image and latency per image.
 *
 * Counts come from the tile plan (`planLayer`): tiles, slices, polarities, bit-serial input cycles, the
 * reference columns of the offset mapping and the ADC conversions per image. Per layer:
 *   groups       = rowTiles × colTiles × slices (tiles read together: a differential pair, or one tile)
 *   ADCs         = groups × ⌈tileCols / columnsPerAdc⌉ (× 2 when each polarity is digitised)
 *   latency      = vectors × inputCycles × (columns per ADC, converted one after another) × t_conv
 *                  + vectors × adder-tree depth / f_clk + buffer bits / (bus width · f_clk)
 * Execution model (NeuroSim's `pipeline = false`): layers run one after another; all tiles of a layer run
 * in parallel; no weight duplication. Dynamic energy only (no leakage), no interconnect wires.
 */
import type { ExperimentConfig } from '../config';
import { planLayer, type AnalogLayerSpec } from '../tiling';
import {
  adcAreaSquareMicrons,
  adcColumnEnergyJoules,
  adcConversionTimeSeconds,
  adcEnergyPerConversionJoules,
  adcSharing,
} from './adc';
import {
  arrayAreaSquareMicrons,
  arrayReadEnergyJoules,
  columnConductanceSiemens,
  meanCellConductanceSiemens,
} from './array';
import {
  accumulatorBits,
  adderAreaSquareMicrons,
  adderEnergyJoules,
  adderTreeLatencySeconds,
  bufferAreaSquareMicrons,
  bufferEnergyJoules,
  bufferLatencySeconds,
  rowDriverEnergyJoules,
  rowPeripheryAreaSquareMicrons,
} from './periphery';
import {
  addBreakdowns,
  defaultCostOptions,
  scaleBreakdown,
  sumBreakdown,
  zeroBreakdown,
  type CostEstimate,
  type CostOptions,
  type LayerCost,
} from './types';

function totalsOf(
  cost: Pick<LayerCost, 'areaSquareMicrons' | 'energyPerImageJoules' | 'latencyPerImageSeconds'>,
) {
  return {
    areaSquareMicrons: sumBreakdown(cost.areaSquareMicrons),
    energyPerImageJoules: sumBreakdown(cost.energyPerImageJoules),
    latencyPerImageSeconds: sumBreakdown(cost.latencyPerImageSeconds),
  };
}

/** Bits of one input value in the buffers: the DAC's bits, or `activationBits` when the DAC is ideal. */
function inputBitsOf(config: ExperimentConfig, options: CostOptions) {
  return config.periphery.dacBits > 0 ? config.periphery.dacBits : options.activationBits;
}

/**
 * The cost options of a config: the defaults, the config's `periphery.adcType` and
 * `periphery.columnsPerAdc` (fields that affect the estimate only), then `overrides` (undefined values
 * are ignored).
 */
export function costOptionsOf(config: ExperimentConfig, overrides: Partial<CostOptions> = {}): CostOptions {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return {
    ...defaultCostOptions(),
    adcType: config.periphery.adcType,
    columnsPerAdc: config.periphery.columnsPerAdc,
    ...defined,
  };
}

/** Cost of one layer. Throws when a conv layer has no input size (per-image counts need it). */
export function estimateLayerCost(
  spec: AnalogLayerSpec,
  config: ExperimentConfig,
  options: CostOptions = costOptionsOf(config),
): LayerCost {
  const tech = options.technology;
  const { crossbar: xbar, periphery: io } = config;
  const plan = planLayer(spec, xbar, io);
  if (plan.vectorsPerImage === null || plan.adcConversionsPerImage === null || plan.macsPerImage === null)
    throw new RangeError(`layer ${spec.name}: the input size is needed for per-image cost`);
  const vectors = plan.vectorsPerImage;
  const conversions = plan.adcConversionsPerImage;
  const differential = xbar.mapping === 'differential';
  const analogPair = differential && xbar.differentialSubtraction === 'analog';
  const digitalPair = differential && !analogPair;
  const bitSerial = io.dacMode === 'bitSerial';
  const dacFactor = bitSerial ? 1 : Math.max(io.dacBits, 1);
  const hasAdc = io.adcBits > 0;

  // ADCs: each group of tiles read together shares ⌈tileCols / columnsPerAdc⌉ ADCs (per polarity if digital).
  const groups = plan.rowTiles * plan.colTiles * plan.numSlices;
  const sharing = adcSharing(plan.tileCols, options.columnsPerAdc);
  const adcCount = groups * sharing.numAdcs * (digitalPair ? 2 : 1);
  const conversionTime = hasAdc
    ? adcConversionTimeSeconds(options.adcType, io.adcBits, tech)
    : tech.flash.conversionTimeSeconds;

  const area = zeroBreakdown();
  const energy = zeroBreakdown();
  const latency = zeroBreakdown();

  // Array: bit lines of every tile and the driven word lines charged once per input cycle.
  const tileCycles = vectors * plan.inputCycles * plan.tileCount;
  const usedRowsAllTiles = plan.rows * plan.colTiles * plan.arrays.length;
  const drivenRowCycles = vectors * plan.inputCycles * usedRowsAllTiles * options.inputActivity;
  area.array = arrayAreaSquareMicrons(plan.tileCount, plan.tileRows, plan.tileCols, tech);
  energy.array = arrayReadEnergyJoules(
    tileCycles,
    drivenRowCycles,
    plan.tileRows,
    plan.tileCols,
    io.vReadVolts,
    tech,
  );

  // ADCs: converter energy plus the read current of the sensed column (NeuroSim books it here).
  if (hasAdc) {
    const sensed = columnConductanceSiemens(
      (plan.rows / plan.rowTiles) * options.inputActivity,
      meanCellConductanceSiemens(xbar.gMaxSiemens, xbar.onOffRatio),
      analogPair ? 2 : 1,
    );
    area.adc = adcCount * adcAreaSquareMicrons(options.adcType, io.adcBits, tech);
    energy.adc =
      conversions *
      (adcEnergyPerConversionJoules(options.adcType, io.adcBits, tech) +
        adcColumnEnergyJoules(options.adcType, io.adcBits, sensed, io.vReadVolts, tech));
  }
  latency.adc = vectors * plan.inputCycles * sharing.sequentialConversions * conversionTime;

  // DACs / row drivers: every used row of every tile is driven once per input cycle (× activity).
  area.dacDrivers = rowPeripheryAreaSquareMicrons(plan.tileCount * plan.tileRows, dacFactor, tech);
  energy.dacDrivers = rowDriverEnergyJoules(drivenRowCycles, plan.tileCols, dacFactor, tech);

  // Shift-add (one unit per ADC, one operation per conversion) and accumulation of the partial sums of
  // each output over row tiles, slices and polarities (or data − reference): one accumulator per output.
  const partialSums = plan.rowTiles * plan.numSlices * (analogPair ? 1 : 2);
  const accBits = accumulatorBits(io.adcBits, plan.inputCycles, plan.sliceBits, partialSums);
  area.shiftAddAccumulation =
    adcCount * tech.shiftAddAreaPerAdcSquareMicrons + adderAreaSquareMicrons(plan.cols, accBits, tech);
  energy.shiftAddAccumulation =
    conversions * tech.shiftAddEnergyPerConversionJoules +
    adderEnergyJoules(vectors * plan.cols * (partialSums - 1), accBits, tech);
  latency.shiftAddAccumulation = vectors * adderTreeLatencySeconds(partialSums, tech);

  // Buffers: tile input registers; traffic = inputs read per vector + outputs written.
  const inputBits = inputBitsOf(config, options);
  const bufferBits = vectors * (plan.rows * inputBits + plan.cols * options.activationBits);
  area.buffers = bufferAreaSquareMicrons(plan.tileCount * plan.tileRows * inputBits, tech);
  energy.buffers = bufferEnergyJoules(bufferBits, tech);
  latency.buffers = bufferLatencySeconds(bufferBits, options.bufferBusWidthBits, tech);

  const cost = { areaSquareMicrons: area, energyPerImageJoules: energy, latencyPerImageSeconds: latency };
  return {
    layer: spec.name,
    plan,
    adcCount,
    sequentialConversionsPerAdc: sharing.sequentialConversions,
    adcConversionsPerImage: conversions,
    macsPerImage: plan.macsPerImage,
    partialSumsPerOutput: partialSums,
    ...cost,
    perTile: {
      areaSquareMicrons: scaleBreakdown(area, 1 / plan.tileCount),
      energyPerImageJoules: scaleBreakdown(energy, 1 / plan.tileCount),
    },
    totals: totalsOf(cost),
  };
}

/** Input + output activation bits of a layer (one image), which the global buffer must hold. */
function activationBitsOf(spec: AnalogLayerSpec, cost: LayerCost, inputBits: number, outputBits: number) {
  const inputValues =
    spec.kind === 'conv'
      ? (spec.inputHeight ?? 0) * (spec.inputWidth ?? 0) * spec.inChannels
      : spec.inChannels;
  return inputValues * inputBits + (cost.plan.vectorsPerImage ?? 0) * spec.outChannels * outputBits;
}

function warningsFor(config: ExperimentConfig): string[] {
  const w: string[] = [];
  if (config.periphery.adcBits === 0)
    w.push(
      'ADC bits = 0 (ideal): the ADCs are not costed (no area or energy); reads are timed as 1 ns conversions.',
    );
  if (config.crossbar.weightBits === 0)
    w.push('Unquantised weights: costed as one analog cell per weight (one slice).');
  if (config.periphery.dacBits === 0)
    w.push('DAC bits = 0 (ideal): costed as 1-bit row drivers, with activation-bit inputs in the buffers.');
  return w;
}

/**
 * Cost of a model: every layer on its own tiles (the config's tile plan and converters), the chip
 * breakdown (the layers' sums plus the global buffer) and the totals, labelled as an estimate. The ADC
 * type and columns per ADC come from the config unless `options` overrides them (`costOptionsOf`).
 */
export function estimateCost(
  config: ExperimentConfig,
  layers: readonly AnalogLayerSpec[],
  options: Partial<CostOptions> = {},
): CostEstimate {
  const opts = costOptionsOf(config, options);
  const tech = opts.technology;
  const layerCosts = layers.map((spec) => estimateLayerCost(spec, config, opts));
  const inputBits = inputBitsOf(config, opts);
  const globalBufferBits = layers.reduce(
    (m, spec, i) => Math.max(m, activationBitsOf(spec, layerCosts[i]!, inputBits, opts.activationBits)),
    0,
  );
  const globalBufferAreaSquareMicrons = bufferAreaSquareMicrons(globalBufferBits, tech);

  let area = zeroBreakdown();
  let energy = zeroBreakdown();
  let latency = zeroBreakdown();
  for (const l of layerCosts) {
    area = addBreakdowns(area, l.areaSquareMicrons);
    energy = addBreakdowns(energy, l.energyPerImageJoules);
    latency = addBreakdowns(latency, l.latencyPerImageSeconds);
  }
  area.buffers += globalBufferAreaSquareMicrons;

  const base = totalsOf({
    areaSquareMicrons: area,
    energyPerImageJoules: energy,
    latencyPerImageSeconds: latency,
  });
  const macsPerImage = layerCosts.reduce((s, l) => s + l.macsPerImage, 0);
  const operations = 2 * macsPerImage;
  return {
    isEstimate: true,
    technology: tech.name,
    options: opts,
    layers: layerCosts,
    globalBufferAreaSquareMicrons,
    areaSquareMicrons: area,
    energyPerImageJoules: energy,
    latencyPerImageSeconds: latency,
    totals: {
      ...base,
      macsPerImage,
      topsPerWatt: operations / base.energyPerImageJoules / 1e12,
      tops: operations / base.latencyPerImageSeconds / 1e12,
      framesPerSecond: 1 / base.latencyPerImageSeconds,
    },
    warnings: warningsFor(config),
  };
}
