import { useLab } from '../../state/store';
import { ConfigField } from './ConfigField';
import { EffectBox } from './EffectBox';
import { EFFECTS, configLeaves, fieldInfo, isEffectPath, type Section } from '../../sim/config';
import { PresetPicker } from './PresetPicker';

const SECTION_TITLES: Record<Section, { title: string; intro: string }> = {
  experiment: { title: 'Experiment', intro: 'Which network, which routine, how many images and repeats.' },
  crossbar: { title: 'Crossbar', intro: 'How weights become conductances on tiles of rows × columns.' },
  periphery: { title: 'Converters', intro: 'Inputs enter through DACs; column currents leave through ADCs.' },
  device: { title: 'Device', intro: 'A preset, then each non-ideality on its own.' },
  training: { title: 'Training', intro: 'Used when the routine is training (VGG-8).' },
};

function SectionPanel({ section }: { section: Section }) {
  const hidden = useLab((s) => s.hidden.includes(section));
  const presetsHidden = useLab((s) => s.hidden.includes('presets'));
  const helpHidden = useLab((s) => s.hidden.includes('help'));
  const trainingIdle = useLab((s) => section === 'training' && s.config.experiment.routine !== 'training');
  if (hidden) return null;
  const leaves = configLeaves.filter((l) => l.section === section && !isEffectPath(l.path));
  const basic = leaves.filter((l) => !fieldInfo(l.path).advanced);
  const advanced = leaves.filter((l) => fieldInfo(l.path).advanced);
  const effects = EFFECTS.filter((e) => e.path.startsWith(`${section}.`));
  const { title, intro } = SECTION_TITLES[section];
  return (
    <section className="config-section" aria-labelledby={`section-${section}`} data-section={section}>
      <h3 id={`section-${section}`}>{title}</h3>
      {(trainingIdle || !helpHidden) && (
        <p className="muted small">{trainingIdle ? 'Has no effect: the routine is inference.' : intro}</p>
      )}
      {section === 'device' && !presetsHidden && <PresetPicker />}
      <div className="field-grid">
        {basic.map((l) => (
          <ConfigField key={l.path} path={l.path} />
        ))}
      </div>
      {effects.map((e) => (
        <EffectBox key={e.effect} info={e} />
      ))}
      {advanced.length > 0 && (
        <details className="advanced">
          <summary>More {title.toLowerCase()} settings</summary>
          <div className="field-grid">
            {advanced.map((l) => (
              <ConfigField key={l.path} path={l.path} />
            ))}
          </div>
        </details>
      )}
    </section>
  );
}

/** Every part of ExperimentConfig, generated from the schema (labels and rules: src/sim/config/fields.ts). */
export function ConfigPanels() {
  const reset = useLab((s) => s.resetConfig);
  return (
    <div className="config-panels" aria-label="Experiment settings" role="region">
      {(['experiment', 'crossbar', 'periphery', 'device', 'training'] as const).map((s) => (
        <SectionPanel key={s} section={s} />
      ))}
      <button type="button" onClick={reset}>
        Reset all settings to defaults
      </button>
    </div>
  );
}
