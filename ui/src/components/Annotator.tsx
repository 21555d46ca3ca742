// This install's annotator name: shown, and set (saved in the user's config file by the server).
//
// data-testids: annotator-card, annotator-name, annotator-source, annotator-input, annotator-save.

import { useEffect, useState } from 'react';
import { call } from '../api/client';
import type { AnnotatorView } from '../api/types';
import { errorText } from '../api/errors';

const SOURCES: Record<string, string> = {
  env: 'from TRAWL_ANNOTATOR',
  config: 'saved in your trawl config',
  user: 'your login name (not set yet)',
  session: 'for this session only',
};

export function AnnotatorCard() {
  const [a, setA] = useState<AnnotatorView | null>(null);
  const [name, setName] = useState('');
  const [msg, setMsg] = useState<{ text: string; error: boolean } | null>(null);
  useEffect(() => {
    call('annotator', {})
      .then((v) => {
        setA(v);
        setName(v.name);
      })
      .catch((e) => setMsg({ text: errorText(e), error: true }));
  }, []);
  const save = async () => {
    const n = name.trim();
    if (!n || n === a?.name) return;
    try {
      const v = await call('set_annotator', { name: n });
      setA(v);
      setName(v.name);
      setMsg({ text: `labels are now written as ${v.name}`, error: false });
    } catch (e) {
      setMsg({ text: errorText(e), error: true });
    }
  };
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
