import { memo, useId, useState } from 'react';
import { useLab } from '../../state/store';
import { formatValue, getPath, isKeyHidden, parseLeafText } from '../../state/urlCodec';
import { lessonById } from '../../state/lessons';
import { fieldInfo, inactiveReason, leafByPath } from '../../sim/config';

interface ConfigFieldProps {
  /** Dotted config path, e.g. `periphery.adcBits`. */
  path: string;
  /** Overrides the table's label (e.g. "Enabled" inside an effect's box). */
  label?: string;
}

/**
 * One control generated from the schema: a select for an enum, a checkbox for a boolean, a text field
 * validated as typed for numbers and lists. The schema's explanation is shown under it and its
 * message next to a refused value; the store keeps the last valid value.
 */
export const ConfigField = memo(function ConfigField({ path, label }: ConfigFieldProps) {
  const leaf = leafByPath.get(path);
  if (!leaf) throw new Error(`ConfigField: no config field ${path}`);
  const meta = fieldInfo(path);
  const id = useId();
  const value = useLab((s) => getPath(s.config, path));
  const inactive = useLab((s) => inactiveReason(path, s.config));
  const hidden = useLab((s) => isKeyHidden(s.hidden, leaf.key));
  // Class mode may hide the explanations (`hide=help`); why a control has no effect still shows.
  const helpHidden = useLab((s) => s.hidden.includes('help'));
  const setField = useLab((s) => s.setField);
  // A lesson's controls are highlighted (and its panel links to them by `data-path`).
  const focused = useLab((s) => (s.lessonId ? lessonById(s.lessonId)?.focus.includes(path) : false));
  const [draft, setDraft] = useState<{ text: string; error: string | null } | null>(null);
  if (hidden) return null;

  const description = helpHidden ? undefined : (meta.hint ?? leaf.description);
  const errorId = `${id}-error`;
  const helpId = `${id}-help`;
  const describedBy =
    [draft?.error ? errorId : null, description || inactive ? helpId : null].filter(Boolean).join(' ') ||
    undefined;
  const shownLabel = label ?? meta.label;
  const unit = meta.unit && !shownLabel.toLowerCase().endsWith(meta.unit.toLowerCase()) ? meta.unit : null;

  let control;
  if (leaf.kind.type === 'boolean') {
    return (
      <div
        className={`field field-check${focused ? ' lesson-focus' : ''}`}
        title={leaf.description}
        data-path={path}
      >
        <label>
          <input
            type="checkbox"
            checked={value === true}
            disabled={inactive !== null}
            aria-describedby={describedBy}
            onChange={(e) => {
              const message = setField(path, e.target.checked);
              setDraft(message ? { text: '', error: message } : null);
            }}
          />{' '}
          {shownLabel}
        </label>
        {draft?.error && (
          <span id={errorId} className="field-error" role="alert">
            {draft.error}
          </span>
        )}
        {(description || inactive) && !label && (
          <span id={helpId} className="field-help">
            {inactive ? `Has no effect now (${inactive}).` : description}
          </span>
        )}
      </div>
    );
  }
  if (leaf.kind.type === 'enum') {
    control = (
      <select
        id={id}
        value={String(value)}
        disabled={inactive !== null}
        aria-describedby={describedBy}
        onChange={(e) => {
          const message = setField(path, e.target.value);
          setDraft(message ? { text: e.target.value, error: message } : null);
        }}
      >
        {leaf.kind.options.map((o) => (
          <option key={o} value={o}>
            {meta.optionLabels?.[o] ?? o}
          </option>
        ))}
      </select>
    );
  } else {
    control = (
      <input
        id={id}
        inputMode={leaf.kind.type === 'number' ? 'decimal' : 'text'}
        value={draft?.text ?? formatValue(value)}
        disabled={inactive !== null}
        aria-invalid={draft?.error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => {
          const text = e.target.value;
          const parsed = parseLeafText(leaf, text);
          const message = parsed.ok ? setField(path, parsed.value) : parsed.message;
          setDraft({ text, error: message });
        }}
        onBlur={() => setDraft((d) => (d && d.error === null ? null : d))}
      />
    );
  }
  return (
    <div className={`field${focused ? ' lesson-focus' : ''}`} title={leaf.description} data-path={path}>
      <label htmlFor={id}>
        {shownLabel}
        {unit && <span className="muted unit"> ({unit})</span>}
      </label>
      {control}
      {draft?.error && (
        <span id={errorId} className="field-error" role="alert">
          {draft.error}
        </span>
      )}
      {(description || inactive) && (
        <span id={helpId} className="field-help">
          {inactive ? `Has no effect now (${inactive}).` : description}
        </span>
      )}
    </div>
  );
});
