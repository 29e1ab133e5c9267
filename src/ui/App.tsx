import { useEffect, useMemo, useState } from 'react';
import { readViewerOptions } from '../state/urlOptions';
import { useEngineStore } from '../state/engineStore';
import { startUrlSync, useConfigStore } from '../state/configStore';
import { SECTIONS } from '../state/urlCodec';
import { BackendBadge } from './BackendBadge';
import { ConfigPanels } from './panels/ConfigPanels';
import { LessonMenu, LessonPanel } from './lessons/LessonPanel';
import { ShareBar } from './share/ShareBar';
import { UrlNotices } from './Notices';
import { Workspace } from './Workspace';
import { RunViewsWarmUp } from './runs/RunViewsWarmUp';
import { installDebugHooks } from './debugHooks';

export function App() {
  const options = useMemo(() => readViewerOptions(window.location.search), []);
  // The settings come from the URL once, before the first paint; the page then waits for Run.
  useState(() => useConfigStore.getState().loadFromUrl(window.location.search));
  const init = useEngineStore((s) => s.init);
  const engineError = useEngineStore((s) => s.engineError);
  const hidden = useConfigStore((s) => s.hidden);
  const controlsHidden = SECTIONS.every((s) => hidden.includes(s));

  useEffect(() => {
    void init(options.backend);
  }, [init, options.backend]);
  useEffect(() => startUrlSync(window), []);
  useEffect(() => installDebugHooks(window), []);

  return (
    <div className="app">
      <header className="app-header">
        <div>
          <h1>Crossbar Lab</h1>
          <p className="tagline">
            Memristive in-memory computing for deep learning, simulated in your browser.
          </p>
        </div>
        <nav className="header-actions" aria-label="Lessons and sharing">
          <LessonMenu />
          {!hidden.includes('share') && <ShareBar />}
        </nav>
        <BackendBadge />
      </header>
      <UrlNotices extra={options.notices} />
      {engineError && (
        <p className="notice notice-error" role="alert">
          {engineError}
        </p>
      )}
      <LessonPanel />
      <main className={`app-main ${controlsHidden ? 'no-controls' : ''}`}>
        {!controlsHidden && (
          <aside className="controls" aria-label="Settings">
            <ConfigPanels />
          </aside>
        )}
        <Workspace />
      </main>
      <RunViewsWarmUp />
    </div>
  );
}
