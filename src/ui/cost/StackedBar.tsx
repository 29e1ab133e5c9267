/** A cost split into its components as one horizontal bar, and the colour key of the components. */
import { COMPONENTS, COMPONENT_LABELS, type Component, type ComponentBreakdown } from '../../sim/cost';

/** Okabe–Ito colours: told apart with the common colour-vision deficiencies. */
export const COMPONENT_COLOURS: Record<Component, string> = {
  array: '#56b4e9',
  adc: '#d55e00',
  dacDrivers: '#009e73',
  shiftAddAccumulation: '#cc79a7',
  buffers: '#e69f00',
};

/** The breakdown's parts side by side; the whole bar is `total / scale` of its track (scale: the largest total shown). */
export function StackedBar({ parts, scale }: { parts: ComponentBreakdown; scale: number }) {
  return (
    <span className="stacked-track" aria-hidden="true">
      {COMPONENTS.map((c) =>
        parts[c] > 0 ? (
          <span
            key={c}
            className="stacked-part"
            style={{ width: `${(100 * parts[c]) / scale}%`, background: COMPONENT_COLOURS[c] }}
          />
        ) : null,
      )}
    </span>
  );
}

export function ComponentKey() {
  return (
    <ul className="component-key small">
      {COMPONENTS.map((c) => (
        <li key={c}>
          <span className="swatch" style={{ background: COMPONENT_COLOURS[c] }} aria-hidden="true" />
          {COMPONENT_LABELS[c]}
        </li>
      ))}
    </ul>
  );
}
