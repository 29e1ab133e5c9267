import { useLab } from '../state/store';

/** Shows which tfjs backend runs the simulation, on which device, and why faster ones were skipped. */
export function BackendBadge() {
  const backend = useLab((s) => s.backend);
  if (!backend) {
    return (
      <div className="backend-badge" aria-live="polite">
        Starting the simulation engine…
      </div>
    );
  }
  return (
    <div className="backend-badge" aria-live="polite">
      <div>
        Backend: <strong data-testid="backend-name">{backend.backend}</strong>
        {backend.forced && <span className="muted"> (requested in the URL)</span>}
      </div>
      <div className="muted" data-testid="backend-adapter">
        {backend.adapterDescription}
      </div>
      {backend.rejected.length > 0 && (
        <details>
          <summary>
            {backend.backend === 'wasm' || backend.backend === 'cpu'
              ? 'Why not the GPU?'
              : 'Why not a faster backend?'}
          </summary>
          <ul>
            {backend.rejected.map((r) => (
              <li key={r.backend}>
                <strong>{r.backend}</strong>: {r.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
