import { useEngineStore } from '../state/engineStore';

const ARCHIVE_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';

/** Shown when CIFAR-10 is not available: how to get it, and an import of the downloaded archive. */
export function DataPanel() {
  const data = useEngineStore((s) => s.data);
  const importing = useEngineStore((s) => s.importing);
  const importArchive = useEngineStore((s) => s.importArchive);
  if (!data || data.state === 'ready') return null;
  return (
    <section className="panel data-panel" aria-labelledby="data-panel-title">
      <h2 id="data-panel-title">CIFAR-10 is needed</h2>
      <p className={data.state === 'error' ? 'notice notice-error' : 'muted'} role="status">
        {data.message}
      </p>
      <ol>
        <li>
          If you run Crossbar Lab from its source: stop the server and run <code>npm start</code> again (it
          downloads and verifies the data), or <code>npm run data -- --from DIR</code> with a local copy.
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
    </section>
  );
}
