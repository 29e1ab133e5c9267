import { drawMomentOf } from '../../sim/config';
import type { DrawMoment } from '../../sim/rng';
import { useLab } from '../../state/store';
import { getPath } from '../../state/urlCodec';
import { ConfigField } from './ConfigField';
import { configLeaves, type EffectInfo } from '../../sim/config';

const MOMENT_TEXT: Record<DrawMoment | 'none', { short: string; long: string }> = {
  programming: { short: 'per chip', long: 'Drawn once when the chip is programmed' },
  batch: { short: 'per batch', long: 'Redrawn for every batch' },
  read: { short: 'per read', long: 'Redrawn on every read' },
  none: { short: 'deterministic', long: 'Not random' },
};

/** One non-ideality: its switch, when its randomness is drawn, a one-line explanation and its parameters. */
export function EffectBox({ info }: { info: EffectInfo }) {
  const enabled = useLab((s) => getPath(s.config, `${info.path}.enabled`) === true);
  const moment = useLab((s) => drawMomentOf(info.effect, s.config)) ?? 'none';
  const hidden = useLab((s) => s.hidden.includes(info.path.split('.').slice(1).join('.')));
  const helpHidden = useLab((s) => s.hidden.includes('help'));
  if (hidden) return null;
  const params = configLeaves.filter(
    (l) => l.path.startsWith(`${info.path}.`) && l.path !== `${info.path}.enabled`,
  );
  const text = MOMENT_TEXT[moment];
  return (
    <fieldset className={`effect ${enabled ? 'effect-on' : ''}`} data-effect={info.effect}>
      <legend>
        <ConfigField path={`${info.path}.enabled`} label={info.title} />
        <span className={`badge badge-${moment}`} title={text.long}>
          <span className="visually-hidden">Random draw: </span>
          {text.short}
        </span>
      </legend>
      {!helpHidden && <p className="field-help">{info.explanation}</p>}
      {enabled && (
        <div className="field-grid">
          {params.map((l) => (
            <ConfigField key={l.path} path={l.path} />
          ))}
        </div>
      )}
    </fieldset>
  );
}
