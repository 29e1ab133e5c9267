import { useId, useState } from 'react';

interface NumberFieldProps {
  label: string;
  value: number;
  min: number;
  max: number;
  /** Integer-only unless `step` says otherwise. */
  step?: number;
  unit?: string;
  onChange(value: number, valid: boolean): void;
}

/** A labelled numeric input validated as the user types, with the reason shown next to it. */
export function NumberField({ label, value, min, max, step = 1, unit, onChange }: NumberFieldProps) {
  const id = useId();
  const [text, setText] = useState(String(value));
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {unit && <span className="muted"> ({unit})</span>}
      </label>
      <input
        id={id}
        inputMode="decimal"
        value={text}
        aria-invalid={error !== null}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => {
          const raw = event.target.value;
          setText(raw);
          const parsed = Number(raw);
          let message: string | null = null;
          if (raw.trim() === '' || !Number.isFinite(parsed)) message = 'Enter a number.';
          else if (step === 1 && !Number.isInteger(parsed)) message = 'Enter a whole number.';
          else if (parsed < min || parsed > max) message = `Between ${min} and ${max}.`;
          setError(message);
          onChange(parsed, message === null);
        }}
      />
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}
