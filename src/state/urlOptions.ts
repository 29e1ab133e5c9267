/** Viewer options read from the URL that are not part of an experiment (e.g. `?backend=wasm`). */
import { isBackendName, type BackendName } from '../engine/protocol';

export interface ViewerOptions {
  /** A backend forced through `?backend=`; null means automatic selection. */
  backend: BackendName | null;
  /** Messages about options that were present but not understood. */
  notices: string[];
}

export function readViewerOptions(search: string): ViewerOptions {
  const params = new URLSearchParams(search);
  const notices: string[] = [];
  let backend: BackendName | null = null;
  const requested = params.get('backend');
  if (requested !== null && requested !== '' && requested !== 'auto') {
    if (isBackendName(requested)) backend = requested;
    else
      notices.push(`Unknown backend “${requested}” in the URL was ignored (use webgpu, webgl, wasm or cpu).`);
  }
  return { backend, notices };
}
