// The banner of writes the server did not confirm (state/writes.ts): one line each, naming what
// was not saved and why, with retry and dismiss. It stays until the annotator acts on it.
//
// data-testids: write-failed (one per lost write), write-retry, write-dismiss.

import { useState } from 'react';
import { dismissLost, lostWriteStore, retryLost } from '../state/writes';
import { useStore } from '../state/store';

export function WriteBanner() {
  const lost = useStore(lostWriteStore);
  const [busy, setBusy] = useState<number | null>(null);
  if (lost.length === 0) return null;
  return (
    <div className="write-banner" role="alert" aria-live="assertive">
      {lost.map((w) => (
        <p key={w.key} className="write-failed" data-testid="write-failed">
          <b>Not saved:</b> {w.what} — {w.why}
          <span className="spacer" />
          {w.retry && (
            <button
              type="button"
              data-testid="write-retry"
              disabled={busy === w.key}
              onClick={() => {
                setBusy(w.key);
                void retryLost(w.key).finally(() => setBusy(null));
              }}
            >
              {busy === w.key ? 'retrying…' : 'retry'}
            </button>
          )}
          <button type="button" data-testid="write-dismiss" onClick={() => dismissLost(w.key)}>
            dismiss
          </button>
        </p>
      ))}
    </div>
  );
}
