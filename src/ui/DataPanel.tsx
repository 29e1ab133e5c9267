import { useLab } from '../state/store';

const ARCHIVE_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';

/**
 * Which CIFAR-10 images the engine can use: the starter set that ships with the app (first 1,000 test
 * images) always, the full data set once it is on the server or imported here. `needed`: test images
 * the current experiment asks for, to say plainly when the starter set is not enough.
 */
export function DataPanel({ neededTestImages }: { neededTestImages: number }) {
  const data = useLab((s) => s.data);
  const importing = useLab((s) => s.importing);
  const importError = useLab((s) => s.importError);
  const importArchive = useLab((s) => s.importArchive);
  const refreshData = useLab((s) => s.refreshData);
  if (!data) return null;
  const full = data.full;
  const starterTest = data.starter.testImages.toLocaleString('en');
  const tooFew = full.state !== 'ready' && neededTestImages > data.starter.testImages;
  return (
    <details
      className="data-panel"
      open={tooFew || importing || importError !== null}
      data-testid="data-panel"
    >
      <summary>
        <span data-testid="data-status" data-full={full.state}>
          Data:{' '}
          {full.state === 'ready'
            ? `full CIFAR-10 (${full.source === 'server' ? 'on this server' : 'imported into this browser'})`
            : `CIFAR-10 starter set (first ${starterTest} test images, built in)`}
        </span>
        {full.state !== 'ready' && <span className="muted"> · the full set unlocks up to 10,000 images</span>}
      </summary>
      {tooFew && (
        <p className="notice notice-error" role="alert">
          This experiment asks for {neededTestImages.toLocaleString('en')} test images; the built-in starter
          set has {starterTest}. Lower “Images”, or get the full data set below.
        </p>
      )}
      {full.state === 'error' && <p className="notice notice-error">{full.message}</p>}
      {full.state !== 'ready' && (
        <>
          <ol>
            <li>
              Running Crossbar Lab from its source: <code>npm run data</code> in the project folder downloads
              and verifies it (or <code>npm run data -- --from DIR</code> with a local copy); then{' '}
              <button type="button" className="link-button" onClick={() => void refreshData()}>
                check again
              </button>
              .
            </li>
            <li>
              Or download the official archive <a href={ARCHIVE_URL}>cifar-10-binary.tar.gz</a> (162 MB) and
              choose it here. It is checked (MD5) and kept in this browser, so you are asked only once.
            </li>
          </ol>
          <label className="file-input">
            <span>Import cifar-10-binary.tar.gz</span>
            <input
              type="file"
              accept=".tar.gz,.tgz,application/gzip"
              disabled={importing}
              onChange={(event) => {
                const file = event.target.files?.[0];
                if (file) void importArchive(file);
              }}
            />
          </label>
          {importing && <p role="status">Checking and unpacking the archive…</p>}
          {importError && (
            <p className="notice notice-error" role="alert">
              {importError}
            </p>
          )}
        </>
      )}
    </details>
  );
}
