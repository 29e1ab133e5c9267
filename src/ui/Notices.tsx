import { useLab } from '../state/store';

/** What the opened link contained but could not be used; the defaults were applied instead. */
export function UrlNotices({ extra }: { extra: string[] }) {
  const notices = useLab((s) => s.notices);
  const dismiss = useLab((s) => s.dismissNotices);
  const all = [...extra, ...notices];
  if (all.length === 0) return null;
  return (
    <div className="notice" role="status" data-testid="url-notice">
      <strong>Some of the link’s settings were not used; defaults apply instead:</strong>
      <ul>
        {all.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
      {notices.length > 0 && (
        <button type="button" className="small-button" onClick={dismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
