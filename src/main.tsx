import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import './ui/styles.css';
import './ui/floorplan/floorplan.css';
import './ui/inspector/inspector.css';
import './ui/runs/runs.css';
import './ui/share/share.css';
import './ui/image/image.css';
import './ui/sweeps/sweeps.css';
import './ui/cost/cost.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
