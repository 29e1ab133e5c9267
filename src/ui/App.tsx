import { useEffect, useMemo, useState } from 'react';
import { readViewerOptions } from '../state/urlOptions';
import { useLab } from '../state/store';
import { startUrlSync } from '../state/urlSync';
import { readSavedRuns, startRunsPersistence } from '../state/runsPersistence';
import { SECTIONS } from '../sim/config';
import { BackendBadge } from './BackendBadge';
import { ConfigPanels } from './panels/ConfigPanels';
import { LessonMenu, LessonPanel } from './lessons/LessonPanel';
import { ShareBar } from './share/ShareBar';
import { ClassroomLinkBuilder } from './share/ClassroomLinkBuilder';
import { UrlNotices } from './Notices';
import { Workspace } from './Workspace';
import { RunViewsWarmUp } from './runs/RunViewsWarmUp';
import { installDebugHooks } from './debugHooks';

export function App() {
  const options = useMemo(() => readViewerOptions(window.location.search), []);
  // The settings come from the URL once, before the first paint; the page then waits for Run.
  useState(() => useLab.getState().loadFromUrl(window.location.search));
  const init = useLab((s) => s.initEngine);
  const engineError = useLab((s) => s.engineError);
  const storageMessage = useLab((s) => s.runsStorageMessage);
  const hidden = useLab((s) => s.hidden);
  const controlsHidden = SECTIONS.every((s) => hidden.includes(s));

  useEffect(() => {
    void init(options.backend);
  }, [init, options.backend]);
  useEffect(() => startUrlSync(window), []);
  useEffect(() => {
    // Saved runs come back first; only then are changes written (so nothing overwrites them).
    let stop = () => {};
    let cancelled = false;
    const report = (message: string | null) => useLab.setState({ runsStorageMessage: message });
    void readSavedRuns().then(({ runs, message }) => {
      if (cancelled) return;
      useLab.getState().addRuns(runs);
      report(message);
      stop = startRunsPersistence(report);
    });
    return () => {
      cancelled = true;
      stop();
    };
  }, []);
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
          {!hidden.includes('share') && <ClassroomLinkBuilder />}
        </nav>
        <BackendBadge />
      </header>
      <UrlNotices extra={options.notices} />
      {engineError && (
        <p className="notice notice-error" role="alert">
          {engineError}
        </p>
      )}
      {storageMessage && (
        <p className="notice" role="status">
          {storageMessage}
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
