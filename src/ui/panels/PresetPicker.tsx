import { useState } from 'react';
import { presets, type Preset } from '../../sim/presets';
import { useLab } from '../../state/store';

/** Device and framework-convention presets; each shows what it sets and where its numbers come from. */
export function PresetPicker() {
  const applyPreset = useLab((s) => s.applyPreset);
  const [chosen, setChosen] = useState<Preset | null>(null);
  const [error, setError] = useState<string | null>(null);
  const groups: [string, Preset[]][] = [
    ['Devices', presets.filter((p) => p.kind === 'device')],
    ['Framework conventions', presets.filter((p) => p.kind === 'framework')],
  ];
  return (
    <div className="presets">
      {groups.map(([title, list]) => (
        <div key={title} className="preset-group" role="group" aria-label={title}>
          <span className="preset-group-title">{title}</span>
          {list.map((p) => (
            <button
              key={p.id}
              type="button"
              className="chip"
              aria-pressed={chosen?.id === p.id}
              title={p.description}
              onClick={() => {
                setError(applyPreset(p.id));
                setChosen(p);
              }}
            >
              {p.label}
            </button>
          ))}
        </div>
      ))}
      {error && <p className="field-error">{error}</p>}
      {chosen && (
        <div className="preset-info" role="status">
          <strong>{chosen.label}</strong> applied. {chosen.description}
          {chosen.differences.length > 0 && (
            <details>
              <summary>Where Crossbar Lab differs</summary>
              <ul>
                {chosen.differences.map((d) => (
                  <li key={d}>{d}</li>
                ))}
              </ul>
            </details>
          )}
          <details>
            <summary>Source</summary>
            <p>{chosen.source}</p>
          </details>
        </div>
      )}
    </div>
  );
}
