// This install's annotator name: shown, and set (saved in the user's config file by the server).
//
// data-testids: annotator-card, annotator-name, annotator-source, annotator-input, annotator-save.

import { useEffect, useState } from 'react';
import { call } from '../api/client';
import { errorText } from '../api/errors';
import { annotator } from '../state/reads';
import { useStore } from '../state/store';
import { useCall } from '../state/useCall';

const SOURCES: Record<string, string> = {
  env: 'from TRAWL_ANNOTATOR',
  config: 'saved in your trawl config',
  user: 'your login name (not set yet)',
  session: 'for this session only',
};

export function AnnotatorCard() {
  const loaded = useStore(annotator.at({}));
  const setter = useCall((n: string) => call('set_annotator', { name: n }), { keepResult: true });
  const a = setter.result ?? loaded.data;
  const [name, setName] = useState('');
  useEffect(() => {
    if (loaded.data) setName(loaded.data.name);
  }, [loaded.data]);
  const save = async () => {
    const n = name.trim();
    if (!n || n === a?.name) return;
    const v = await setter.run(n);
    if (v) setName(v.name);
  };
  const msg =
    setter.error !== null
      ? { text: setter.error, error: true }
      : setter.result
        ? { text: `labels are now written as ${setter.result.name}`, error: false }
        : loaded.error !== null
          ? { text: errorText(loaded.error), error: true }
          : null;
  return (
    <section className="card" data-testid="annotator-card">
      <h2>Annotator</h2>
      <p>
        Labels are written as <b data-testid="annotator-name">{a?.name ?? '…'}</b>{' '}
        <span className="muted small" data-testid="annotator-source">
          {a ? (SOURCES[a.source] ?? a.source) : ''}
        </span>
      </p>
      {a?.source === 'env' && (
        <p className="muted small">TRAWL_ANNOTATOR is set: a name saved here applies now, and TRAWL_ANNOTATOR wins again when trawl restarts.</p>
      )}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <input type="text" value={name} onChange={(e) => setName(e.target.value)} placeholder="your name" data-testid="annotator-input" maxLength={128} />
        <button type="submit" data-testid="annotator-save" disabled={!name.trim() || name.trim() === a?.name}>
          Save name
        </button>
      </form>
      {msg && <p className={`small${msg.error ? ' error' : ' muted'}`}>{msg.text}</p>}
    </section>
  );
}
