import { useState } from 'react';
import { shareUrl } from '../../state/urlSync';
import { LinkField, copyLink } from './LinkField';

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
          void copyLink(url).then(setCopied);
        }}
      >
        Share
      </button>
      {link && (
        <LinkField
          id="share-url"
          testId="share-url"
          label="Link to these settings"
          link={link}
          copied={copied}
        />
      )}
    </div>
  );
}
