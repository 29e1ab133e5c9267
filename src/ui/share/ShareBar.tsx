import { useState } from 'react';
import { shareUrl } from '../../state/urlSync';

/** Copies a link that restores the current settings; the link is also shown, selectable, for when copying is refused. */
export function ShareBar() {
  const [link, setLink] = useState<string | null>(null);
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <div className="share">
      <button
        type="button"
        onClick={() => {
          const url = shareUrl(window.location);
          setLink(url);
          setCopied(null);
          if (!navigator.clipboard) setCopied(false);
          else
            navigator.clipboard.writeText(url).then(
              () => setCopied(true),
              () => setCopied(false),
            );
        }}
      >
        Share
      </button>
      {link && (
        <div className="share-link">
          <label htmlFor="share-url" className="visually-hidden">
            Link to these settings
          </label>
          <input
            id="share-url"
            data-testid="share-url"
            readOnly
            value={link}
            onFocus={(e) => e.target.select()}
          />
          <span role="status" className="muted small">
            {copied === true
              ? 'Copied.'
              : copied === false
                ? 'Copy the link above (the browser refused the clipboard).'
                : ''}
          </span>
        </div>
      )}
    </div>
  );
}
