import { useMemo, useState } from 'react';
import { useLab } from '../../state/store';
import { currentQuery } from '../../state/urlSync';
import { SECTIONS, configLeaves, fieldInfo, type Section } from '../../sim/config';
import { LinkField, copyLink } from './LinkField';

const SECTION_LABELS: Record<Section, string> = {
  experiment: 'Experiment settings',
  crossbar: 'Crossbar settings',
  periphery: 'Converter settings',
  device: 'Device settings',
  training: 'Training settings',
};

/** Hide targets beyond the settings sections: views, panels and texts (src/state/urlCodec.ts). */
const VIEWS: { target: string; label: string }[] = [
  { target: 'presets', label: 'Device presets' },
  { target: 'floorplan', label: 'Floorplan tab' },
  { target: 'image', label: '“One image” tab' },
  { target: 'runs', label: 'Run bar and experiments tab' },
  { target: 'share', label: 'Share and classroom-link buttons' },
  { target: 'help', label: 'Explanations under the controls' },
];

/**
 * The classroom link builder (TensorFlow Playground's `_hide` keys as a form): tick the controls and
 * texts a lesson should not show, and get the link that opens the current settings (and lesson) with
 * them hidden. Students can still see every value that matters through the run bar's summary.
 */
export function ClassroomLinkBuilder() {
  const hiddenNow = useLab((s) => s.hidden);
  const config = useLab((s) => s.config);
  const lessonId = useLab((s) => s.lessonId);
  const sweep = useLab((s) => s.sweep);
  const [ticked, setTicked] = useState<string[]>(hiddenNow);
  const [copied, setCopied] = useState<boolean | null>(null);
  // The form is drawn only while open: its checkboxes carry the controls' labels, which must not
  // stand beside the controls themselves for assistive technology (or tests) while it is closed.
  const [open, setOpen] = useState(false);
  const link = useMemo(
    () =>
      `${window.location.origin}${window.location.pathname}${currentQuery({ config, sweep, lessonId, hidden: ticked }, window.location.search)}`,
    [config, sweep, lessonId, ticked],
  );
  const toggle = (target: string, on: boolean) => {
    setCopied(null);
    setTicked((t) => (on ? [...t.filter((x) => x !== target), target] : t.filter((x) => x !== target)));
  };
  const box = (target: string, label: string) => (
    <label key={target} className="check">
      <input
        type="checkbox"
        checked={ticked.includes(target)}
        onChange={(e) => toggle(target, e.target.checked)}
        data-hide-target={target}
      />{' '}
      {label}
    </label>
  );
  return (
    <details
      className="classroom-menu"
      data-testid="classroom-builder"
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary>Classroom link</summary>
      {open && (
        <div className="classroom-body">
          <p className="muted small">
            Tick what students should not see; the link keeps the current settings.
          </p>
          <fieldset>
            <legend>Settings</legend>
            {SECTIONS.map((s) => box(s, SECTION_LABELS[s]))}
          </fieldset>
          <fieldset>
            <legend>Views and texts</legend>
            {VIEWS.map((v) => box(v.target, v.label))}
          </fieldset>
          <details>
            <summary>Single controls</summary>
            {SECTIONS.map((section) => (
              <fieldset key={section} className="classroom-fields">
                <legend>{SECTION_LABELS[section]}</legend>
                {configLeaves
                  .filter((l) => l.section === section)
                  .map((l) => box(l.key, fieldInfo(l.path).label))}
              </fieldset>
            ))}
          </details>
          <LinkField
            id="classroom-url"
            testId="classroom-url"
            label="Classroom link"
            link={link}
            copied={copied}
          />
          <div className="buttons">
            <button type="button" onClick={() => void copyLink(link).then(setCopied)}>
              Copy link
            </button>
            <a href={link} target="_blank" rel="noreferrer">
              Open it in a new tab
            </a>
          </div>
        </div>
      )}
    </details>
  );
}
