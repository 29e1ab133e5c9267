import { useMemo, useState } from 'react';
import type { ExperimentConfig } from '../../sim/config';
import {
  describeTileRows,
  inputVector,
  multiply,
  readConfigOf,
  rowSource,
  type Inspection,
} from './multiply';

const STEPS = ['DAC', 'Array currents', 'ADC codes', 'Shift-add', 'Digital result'] as const;
const SHOW_ROWS = 6;
const num = (v: number, digits = 4) =>
  Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toPrecision(digits);
const micro = (a: number) => `${(a * 1e6).toPrecision(4)} µA`;

/** "c3 @ (1, 2)" for a conv row, "x17" for a dense one (1-based). */
function rowLabel(ins: Inspection, r: number): string {
  const { channel, position } = rowSource(ins, r);
  return position ? `ch ${channel + 1} @ (${position[0] + 1}, ${position[1] + 1})` : `x${channel + 1}`;
}

interface StepThroughProps {
  ins: Inspection;
  config: ExperimentConfig;
}

/** What the ADC's range spans on the chip, when it is dynamic (the inspector sees one vector only). */
function dynamicRangeNote(config: ExperimentConfig): string {
  const p = config.periphery;
  if (p.adcBits === 0 || p.adcRange !== 'dynamic') return '';
  return p.adcDynamicScope === 'rowTile'
    ? ' The range shown is this vector’s; on the chip it spans the whole batch’s reads of this tile (every image, pixel and column: NeuroSim), so a code depends on the other images.'
    : ' The range is this vector’s read of the column tile, as on the chip (MemTorch: one power-of-two step per tile and input vector).';
}

/** How the chip's device variation differs from the programmed conductances shown here. */
function variationNote(config: ExperimentConfig): string {
  const v = config.device.d2dVariation;
  if (!v.enabled || !v.redrawEachBatch || v.model === 'conductanceRange') return '';
  const perBit =
    v.redrawEachInputBit && config.periphery.dacMode === 'bitSerial' && config.periphery.dacBits > 0;
  return (
    ` The chip redraws its device variation on every forward call${perBit ? ' and for every input bit' : ''}` +
    `${config.crossbar.mapping === 'offset' && !v.includeReference ? ' (data columns only, never the reference column)' : ''};` +
    ' these currents use the programmed conductances.'
  );
}

/** One multiply through the tile, one phase at a time (GAN Lab's step-by-phase mode). */
export function StepThrough({ ins, config: experimentConfig }: StepThroughProps) {
  const config = readConfigOf(ins, experimentConfig);
  const [step, setStep] = useState(0);
  // Start on the input vector with the largest Σ|x|: the first ones are often all-zero (padding, ReLU).
  const [vector, setVector] = useState(() => {
    let best = 0;
    let bestSum = -1;
    for (let v = 0; v < ins.numVectors; v++) {
      const sum = inputVector(ins, v).reduce((s, x) => s + Math.abs(x), 0);
      if (sum > bestSum) [best, bestSum] = [v, sum];
    }
    return best;
  });
  const [column, setColumn] = useState(0);
  const m = useMemo(() => multiply(ins, config, vector), [ins, config, vector]);
  const c = Math.min(column, ins.dataCols - 1);
  const cycles = m.dacStep.volts.length;
  const error = m.result[c]! - m.ideal[c]!;

  return (
    <div className="step-through" data-testid="step-through">
      <div className="field-row">
        <label className="inline">
          Input vector{' '}
          <select value={vector} onChange={(e) => setVector(Number(e.target.value))}>
            {Array.from({ length: ins.numVectors }, (_, i) => (
              <option key={i} value={i}>
                {i + 1}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Column{' '}
          <select value={c} onChange={(e) => setColumn(Number(e.target.value))}>
            {Array.from({ length: ins.dataCols }, (_, i) => (
              <option key={i} value={i}>
                {i + 1}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small">
          Inputs: this layer’s real activations on CIFAR-10 training images (evenly spaced {ins.numVectors} of
          them).
        </span>
      </div>
      <ol className="stepper" aria-label="Phases of one multiply">
        {STEPS.map((s, i) => (
          <li key={s}>
            <button type="button" aria-current={i === step ? 'step' : undefined} onClick={() => setStep(i)}>
              {i + 1}. {s}
            </button>
          </li>
        ))}
      </ol>
      <div className="step-body" aria-live="polite">
        {step === 0 && (
          <>
            <p>
              {describeTileRows(ins)}
              {ins.readPeriphery
                ? ' This is the network’s first layer (the 3-channel image), read without DAC or ADC as its first-layer setting asks (NeuroSim’s first-layer branch).'
                : ''}{' '}
              Each input x is divided by the layer’s input range ν = {num(m.nu)}
              {m.nuExact ? '' : ' (estimated from this tile’s rows; the chip uses the whole input vector)'},
              clipped to [{m.dac.signed ? '−1' : '0'}, 1]
              {m.dac.bits > 0
                ? `, rounded to a ${m.dac.bits}-bit code q (±${m.dac.qMaxCode}) and applied as ${m.dac.bitSerial ? `${cycles} one-bit pulses of ${config.periphery.vReadVolts} V (bit-serial)` : 'a voltage V = q·V_read/d'}`
                : ' and applied as a voltage V = x̃·V_read (ideal DAC)'}
              .
            </p>
            <table className="mini">
              <thead>
                <tr>
                  <th>row</th>
                  <th>input</th>
                  <th>x</th>
                  <th>x̃</th>
                  {m.dacStep.codes && <th>code q</th>}
                  <th>V (cycle 1)</th>
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: Math.min(SHOW_ROWS, ins.rows) }, (_, j) => (
                  <tr key={j}>
                    <td>{j + 1}</td>
                    <td>{rowLabel(ins, j)}</td>
                    <td>{num(m.dacStep.x[j]!)}</td>
                    <td>{num(m.dacStep.xTilde[j]!)}</td>
                    {m.dacStep.codes && <td>{m.dacStep.codes[j]}</td>}
                    <td>{num(m.dacStep.volts[0]![j]!)} V</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {ins.rows > SHOW_ROWS && <p className="muted small">… and {ins.rows - SHOW_ROWS} more rows.</p>}
          </>
        )}
        {step === 1 && (
          <>
            <p>
              Every device passes I = G·V (Ohm’s law) and each column wire adds its devices’ currents
              (Kirchhoff).{variationNote(config)} Column {c + 1} of each read group
              {m.groups.some((g) => g.terms.length > 1) ? ' (G⁺ − G⁻ subtracted in analog)' : ''}:
            </p>
            <table className="mini">
              <thead>
                <tr>
                  <th>group</th>
                  {m.reads[0]!.map((_, z) => (
                    <th key={z}>{cycles > 1 ? `bit ${z}` : 'current'}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {m.groups.map((g, gi) => (
                  <tr key={g.label + gi}>
                    <td>{g.label}</td>
                    {m.reads[gi]!.map((r, z) => (
                      <td key={z}>{micro(r.currents[c]!)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
        {step === 2 && (
          <>
            <p>
              {config.periphery.adcBits === 0
                ? 'The ADC is ideal here (0 bits): currents pass unquantised.'
                : `A ${config.periphery.adcBits}-bit ADC (${config.periphery.adcRange} range) turns each current into an integer code; currents beyond its range clip.`}
              {dynamicRangeNote(config)}
              {config.periphery.adcBits > 0 && config.periphery.boundManagement === 'iterative'
                ? ' Bound management reads the vector again with its input halved when a code, once rounded, lies beyond the range (aihwkit); a current that rounds onto the last code is kept.'
                : ''}
            </p>
            <table className="mini">
              <thead>
                <tr>
                  <th>group</th>
                  <th>read</th>
                  <th>current</th>
                  <th>range</th>
                  <th>code</th>
                  <th>value</th>
                </tr>
              </thead>
              <tbody>
                {m.groups.flatMap((g, gi) =>
                  m.reads[gi]!.map((r, z) => (
                    <tr key={`${gi}-${z}`}>
                      <td>{g.label}</td>
                      <td>{cycles > 1 ? `bit ${z}` : '1'}</td>
                      <td>{micro(r.currents[c]!)}</td>
                      <td>
                        {micro(r.lo)} … {micro(r.hi)}
                      </td>
                      <td>{config.periphery.adcBits === 0 ? '—' : r.codes[c]}</td>
                      <td>{micro(r.quantised[c]!)}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </>
        )}
        {step === 3 && (
          <>
            <p>
              Digital logic adds the codes back together: each bit-serial read weighted by 2^z
              {m.dac.signed && m.dac.bitSerial ? ' (the sign bit by −2^(B−1))' : ''}, each slice by its
              significance, each group by its sign and weight per siemens, then scaled by ν/V_read: y =
              ν·post·Σ_g c_g·Σ_z w_z·Q(I).
            </p>
            <table className="mini">
              <thead>
                <tr>
                  <th>group</th>
                  <th>Σ_z w_z·Q(I)</th>
                  <th>sign · c_g</th>
                  <th>contribution</th>
                </tr>
              </thead>
              <tbody>
                {m.groups.map((g, gi) => {
                  const sum = m.reads[gi]!.reduce(
                    (s, r, z) => s + m.dacStep.cycleWeights[z]! * r.quantised[c]!,
                    0,
                  );
                  const sign = g.terms.length === 1 ? g.terms[0]!.sign : 1;
                  return (
                    <tr key={g.label + gi}>
                      <td>{g.label}</td>
                      <td>{micro(sum)}</td>
                      <td>{num(sign * g.weightPerSiemens)} /S</td>
                      <td>{num(m.nu * m.dac.post * sign * g.weightPerSiemens * sum)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        )}
        {step === 4 && (
          <dl className="result" data-testid="multiply-result">
            <div>
              <dt>Crossbar result</dt>
              <dd>{num(m.result[c]!, 6)}</dd>
            </div>
            <div>
              <dt>Ideal (target conductances, exact inputs)</dt>
              <dd>{num(m.ideal[c]!, 6)}</dd>
            </div>
            <div>
              <dt>Error</dt>
              <dd>
                {num(error, 3)}
                {m.ideal[c] !== 0 && ` (${((100 * Math.abs(error)) / Math.abs(m.ideal[c]!)).toFixed(2)} %)`}
              </dd>
            </div>
          </dl>
        )}
      </div>
      <div className="buttons">
        <button type="button" disabled={step === 0} onClick={() => setStep(step - 1)}>
          ← Previous phase
        </button>
        <button type="button" disabled={step === STEPS.length - 1} onClick={() => setStep(step + 1)}>
          Next phase →
        </button>
      </div>
    </div>
  );
}
