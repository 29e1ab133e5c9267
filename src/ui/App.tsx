import { useEffect, useMemo } from 'react';
import { readViewerOptions } from '../state/urlOptions';
import { useEngineStore } from '../state/engineStore';
import { BackendBadge } from './BackendBadge';
import { DataPanel } from './DataPanel';
import { SlicePanel } from './SlicePanel';
import { AccuracyChart } from './AccuracyChart';

export function App() {
  const options = useMemo(() => readViewerOptions(window.location.search), []);
  const init = useEngineStore((s) => s.init);
  const engineError = useEngineStore((s) => s.engineError);
  const data = useEngineStore((s) => s.data);

  useEffect(() => {
    void init(options.backend);
  }, [init, options.backend]);

  return (
    <div className="app">
      <header className="app-header">
        <div>
          <h1>Crossbar Lab</h1>
          <p className="tagline">
            Memristive in-memory computing for deep learning, simulated in your browser.
          </p>
        </div>
        <BackendBadge />
      </header>
      {options.notices.map((notice) => (
        <p key={notice} className="notice" role="status">
          {notice}
        </p>
      ))}
      {engineError && (
        <p className="notice notice-error" role="alert">
          {engineError}
        </p>
      )}
      <main className="app-main">
        {data && data.state !== 'ready' && <DataPanel />}
        <SlicePanel />
        <AccuracyChart />
      </main>
    </div>
  );
}
