import { useEffect, useRef, useState } from 'react';
import { DRIFT_TIME_MACHINE, PRESET_AXIS, type SweepAxis } from '../../sim/sweep';
import { presets } from '../../sim/presets';
import { useLab } from '../../state/store';
import { formatValue, parseLeafText } from '../../state/urlCodec';
import { fieldInfo, leafByPath } from '../../sim/config';
import { SWEEPABLE, axisLabel } from './axes';

interface AxisDraft {
  path: string;
  text: string;
}

const toDraft = (axis: SweepAxis | undefined): AxisDraft =>
  axis
    ? { path: axis.path, text: axis.values.map((v) => formatValue(v)).join(', ') }
    : { path: '', text: '' };

/** Parses one axis draft; returns the axis or the first problem in words. */
function parseAxis(draft: AxisDraft): SweepAxis | string | null {
  if (!draft.path) return null;
  const parts = draft.text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (parts.length === 0) return `give ${axisLabel(draft.path)} some values, separated by commas`;
  if (draft.path === PRESET_AXIS) {
    const unknown = parts.find((p) => !presets.some((preset) => preset.id === p));
    return unknown ? `there is no preset “${unknown}”` : { path: PRESET_AXIS, values: parts };
  }
  const leaf = leafByPath.get(draft.path)!;
  const values = [];
  for (const part of parts) {
    const parsed = parseLeafText(leaf, part);
    if (!parsed.ok) return `${axisLabel(draft.path)} ${part}: ${parsed.message}`;
    values.push(parsed.value as number | boolean | string);
  }
  return { path: draft.path, values };
}

function AxisEditor({
  name,
  draft,
  onChange,
}: {
  name: string;
  draft: AxisDraft;
  onChange: (d: AxisDraft) => void;
}) {
  const leaf = draft.path && draft.path !== PRESET_AXIS ? leafByPath.get(draft.path) : undefined;
  const hint =
    draft.path === PRESET_AXIS
      ? `ids: ${presets.map((p) => p.id).join(', ')}`
      : leaf?.kind.type === 'enum'
        ? `options: ${leaf.kind.options.join(', ')}`
        : leaf?.kind.type === 'boolean'
          ? 'false, true'
          : 'numbers, separated by commas';
  return (
    <div className="field-row sweep-axis">
      <div className="field">
        <label htmlFor={`${name}-field`}>{name}</label>
        <select
          id={`${name}-field`}
          value={draft.path}
          onChange={(e) => onChange({ path: e.target.value, text: '' })}
        >
          <option value="">—</option>
          <option value={PRESET_AXIS}>Preset</option>
          {SWEEPABLE.map((l) => (
            <option key={l.path} value={l.path}>
              {fieldInfo(l.path).label} ({l.key})
            </option>
          ))}
        </select>
      </div>
      {draft.path && (
        <div className="field sweep-values">
          <label htmlFor={`${name}-values`}>Values</label>
          <input
            id={`${name}-values`}
            value={draft.text}
            placeholder={hint}
            onChange={(e) => onChange({ ...draft, text: e.target.value })}
          />
          <span className="field-help">{hint}</span>
        </div>
      )}
    </div>
  );
}

/**
 * Sweeps: vary one setting (a line) or two (a grid); Run then runs the experiment at every point, each
 * with the experiment's repeated runs. The drift time machine is one click.
 */
export function SweepPanel() {
  const sweep = useLab((s) => s.sweep);
  const setSweep = useLab((s) => s.setSweep);
  const setField = useLab((s) => s.setField);
  const [drafts, setDrafts] = useState<[AxisDraft, AxisDraft]>([
    toDraft(sweep?.axes[0]),
    toDraft(sweep?.axes[1]),
  ]);
  const [error, setError] = useState<string | null>(null);
  // A sweep set elsewhere (a lesson, a link) replaces what is being typed here.
  const ownSweep = useRef(sweep);
  useEffect(() => {
    if (sweep === ownSweep.current) return;
    ownSweep.current = sweep;
    setDrafts([toDraft(sweep?.axes[0]), toDraft(sweep?.axes[1])]);
    setError(null);
  }, [sweep]);
  const apply = (next: [AxisDraft, AxisDraft]) => {
    setDrafts(next);
    const axes: SweepAxis[] = [];
    for (const draft of next) {
      const axis = parseAxis(draft);
      if (typeof axis === 'string') {
        setError(axis);
        return;
      }
      if (axis) axes.push(axis);
    }
    const spec = axes.length > 0 ? { axes } : null;
    const refused = setSweep(spec);
    if (!refused) ownSweep.current = useLab.getState().sweep;
    setError(refused);
  };
  const points = sweep ? sweep.axes.reduce((n, a) => n * a.values.length, 1) : 0;
  return (
    <details className="sweep-panel" open={sweep !== null} data-testid="sweep-panel">
      <summary>
        Sweep{' '}
        {sweep ? (
          <span className="muted">
            · {sweep.axes.map((a) => `${axisLabel(a.path)} (${a.values.length})`).join(' × ')} = {points}{' '}
            point{points === 1 ? '' : 's'}
          </span>
        ) : (
          <span className="muted">· vary one or two settings; Run runs every point</span>
        )}
      </summary>
      <AxisEditor name="Sweep over" draft={drafts[0]} onChange={(d) => apply([d, drafts[1]])} />
      {drafts[0].path && (
        <AxisEditor name="And over" draft={drafts[1]} onChange={(d) => apply([drafts[0], d])} />
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="buttons">
        <button
          type="button"
          className="small-button"
          onClick={() => {
            // The time machine needs drift on: switch it on (the device preset's ν model stays).
            if (setField('device.drift.enabled', true) === null) {
              apply([toDraft(DRIFT_TIME_MACHINE.axes[0]), toDraft(DRIFT_TIME_MACHINE.axes[1])]);
            }
          }}
        >
          Drift time machine (1 s … 10 years, with and without compensation)
        </button>
        {sweep && (
          <button
            type="button"
            className="small-button"
            onClick={() => apply([toDraft(undefined), toDraft(undefined)])}
          >
            No sweep
          </button>
        )}
      </div>
    </details>
  );
}
