/** A link shown selectable (for when copying is refused), and the copy that both link buttons use. */

/** Copies `link`; resolves to whether the browser allowed it. */
export function copyLink(link: string): Promise<boolean> {
  if (!navigator.clipboard) return Promise.resolve(false);
  return navigator.clipboard.writeText(link).then(
    () => true,
    () => false,
  );
}

export function LinkField({
  id,
  testId,
  label,
  link,
  copied,
}: {
  id: string;
  testId: string;
  label: string;
  link: string;
  /** null: not copied yet; false: the browser refused. */
  copied: boolean | null;
}) {
  return (
    <div className="share-link">
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <input id={id} data-testid={testId} readOnly value={link} onFocus={(e) => e.target.select()} />
      <span role="status" className="muted small">
        {copied === true
          ? 'Copied.'
          : copied === false
            ? 'Copy the link above (the browser refused the clipboard).'
            : ''}
      </span>
    </div>
  );
}
