// The labelling queue in the explorer: start one over the current query (all, unlabelled,
// flagged first, a seeded sample of N), see its progress, and label every match at once behind a
// confirmation that states the count (undoable as one batch).
//
// data-testids: queue-open, queue-form, queue-kind, queue-set, queue-n, queue-seed, queue-start,
// queue-progress (also in the label panel), queue-stop, queue-resume, bulk-label-open,
// bulk-label-set, bulk-label-value, bulk-label-confirm (the dialog), bulk-label-ok,
// bulk-label-cancel, bulk-label-done, bulk-undo.

import { useMemo, useState } from 'react';
import { createPortal } from 'react-dom';
import { call } from '../api/client';
import { errorText } from '../api/errors';
import { fmtInt } from '../lib/format';
import { choices, FLAG_REVIEW_SET, type LabelValue } from '../lib/labels';
import { QUEUE_KINDS, describe, nextId, progress, specError, type QueueKind, type QueueSpec } from '../lib/queue';
import { useEscapeClose, useViewKeys } from '../state/keyhub';
import { currentQueue, queueStore, refreshProgress, startQueue, stopQueue } from '../state/queue';
import { navigate } from '../state/router';
import { dropWrite, pushWrite } from '../state/undo';
import { labelSetStore } from '../state/labelsets';
import { useStore } from '../state/store';
import { useCall } from '../state/useCall';
import { reportLost } from '../state/writes';


/** Progress of the current queue: `queue 3 / 40 · unlabelled in flag:loop · verdict`. */
export function QueueProgress({ compact = false }: { compact?: boolean }) {
  const q = useStore(queueStore);
  if (!q) return null;
  const p = progress(q.done, q.total);
  return (
    <div className="queue-progress" data-testid="queue-progress" data-done={q.done} data-total={q.total} title={describe(q.spec)}>
      <span className="queue-count">queue {p.text} labelled</span>
      <progress max={1} value={p.frac} />
      {!compact && <span className="muted small queue-what">{describe(q.spec)}</span>}
    </div>
  );
}

function parseIntOrNull(s: string): number | null {
  return /^\d+$/.test(s.trim()) ? Number(s.trim()) : null;
}

function StartQueue({ q, close }: { q: string; close: () => void }) {
  const setsLoaded = useStore(labelSetStore);
  const sets = useMemo(() => (setsLoaded.data ?? []).filter((x) => x.name !== FLAG_REVIEW_SET), [setsLoaded.data]);
  const [kind, setKind] = useState<QueueKind>('unlabelled');
  const [set, setSet] = useState('verdict');
  const [n, setN] = useState('50');
  const [seed, setSeed] = useState('0');
  const starter = useCall(async (s: QueueSpec) => {
    const first = await startQueue(s);
    if (first === null) {
      stopQueue();
      throw new Error(s.kind === 'unlabelled' ? 'nothing left to label in this query' : 'the queue is empty');
    }
    close();
    navigate({ view: 'trajectory', id: first, q, sort: 'relevance', step: null });
  });
  const { busy } = starter;
  const err = starter.error ?? (setsLoaded.error !== null ? errorText(setsLoaded.error) : null);
  const spec: QueueSpec = { query: q, kind, set, n: parseIntOrNull(n), seed: parseIntOrNull(seed) };
  const start = async () => {
    const bad = specError(spec);
    if (bad) return starter.fail(bad);
    await starter.run(spec);
  };
  return (
    <form
      className="queue-form"
      data-testid="queue-form"
      onSubmit={(e) => {
        e.preventDefault();
        void start();
      }}
    >
      <h3>Start a labelling queue</h3>
      <p className="muted small">over {q.trim() ? <code>{q}</code> : 'every trajectory'}; Enter in a trajectory saves and goes to the next.</p>
      <div className="form-grid">
        <label htmlFor="queue-kind">order</label>
        <select id="queue-kind" data-testid="queue-kind" value={kind} onChange={(e) => setKind(e.target.value as QueueKind)}>
          {QUEUE_KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.title}
            </option>
          ))}
        </select>
        {kind === 'sample' && (
          <>
            <label htmlFor="queue-n">N</label>
            <input id="queue-n" type="text" inputMode="numeric" data-testid="queue-n" value={n} onChange={(e) => setN(e.target.value)} />
            <label htmlFor="queue-seed">seed</label>
            <input id="queue-seed" type="text" inputMode="numeric" data-testid="queue-seed" value={seed} onChange={(e) => setSeed(e.target.value)} />
          </>
        )}
        <label htmlFor="queue-set">done when labelled in</label>
        <select id="queue-set" data-testid="queue-set" value={set} onChange={(e) => setSet(e.target.value)}>
          {(sets.length ? sets.map((s) => s.name) : ['verdict']).map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      {err && <p className="error small">{err}</p>}
      <div className="inline-form">
        <button type="submit" data-testid="queue-start" disabled={busy} autoFocus>
          {busy ? 'starting…' : 'Start labelling'}
        </button>
        <button type="button" onClick={close}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function BulkLabel({ q, total }: { q: string; total: number }) {
  const setsLoaded = useStore(labelSetStore);
  const sets = useMemo(
    () => (setsLoaded.data ?? []).filter((x) => x.name !== FLAG_REVIEW_SET && x.kind !== 'text' && x.level !== 'step'),
    [setsLoaded.data],
  );
  const [set, setSet] = useState('verdict');
  const [value, setValue] = useState<string>('');
  const [confirming, setConfirming] = useState(false);
  const [ownErr, setErr] = useState<string | null>(null);
  const err = ownErr ?? (setsLoaded.error !== null ? errorText(setsLoaded.error) : null);
  const [done, setDone] = useState<{ batch: string; count: number; undone: boolean } | null>(null);
  const schema = sets.find((s) => s.name === set);
  const options = schema ? choices(schema) : [];
  const chosen = value || String(options[0]?.value ?? '');
  const wire = (): LabelValue => (schema?.kind === 'rating' ? Number(chosen) : schema?.kind === 'multi' ? [chosen] : chosen);
  const apply = async () => {
    setErr(null);
    try {
      const r = await call('label_bulk', { query: q, set, value: wire(), expect: total });
      setDone({ batch: r.batch, count: Number(r.count), undone: false });
      pushWrite({ batch: r.batch, id: null, what: `${set} = ${chosen} on all ${fmtInt(Number(r.count))} of ${q.trim() || 'everything'}` });
      void refreshProgress().catch(() => {});
    } catch (e) {
      setErr(`not saved — ${errorText(e)}`);
      const what = `${set} = ${chosen} on all ${fmtInt(total)} of ${q.trim() || 'everything'}`;
      const params = { query: q, set, value: wire(), expect: total };
      reportLost(what, e, () =>
        call('label_bulk', params).then((r) => {
          setDone({ batch: r.batch, count: Number(r.count), undone: false });
          pushWrite({ batch: r.batch, id: null, what });
          void refreshProgress().catch(() => {});
        }),
      );
    } finally {
      setConfirming(false);
    }
  };
  const undo = async () => {
    if (!done) return;
    try {
      await call('undo', { batch: done.batch });
      dropWrite(done.batch);
      setDone({ ...done, undone: true });
      void refreshProgress().catch(() => {});
    } catch (e) {
      setErr(errorText(e));
    }
  };
  return (
    <div className="bulk-label">
      <h3>Label all {fmtInt(total)} in this query</h3>
      <div className="inline-form">
        <select data-testid="bulk-label-set" value={set} onChange={(e) => (setSet(e.target.value), setValue(''))}>
          {sets.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name}
            </option>
          ))}
        </select>
        <span>=</span>
        <select data-testid="bulk-label-value" value={chosen} onChange={(e) => setValue(e.target.value)}>
          {options.map((o) => (
            <option key={String(o.value)} value={String(o.value)}>
              {String(o.value)}
            </option>
          ))}
        </select>
        <button type="button" data-testid="bulk-label-open" disabled={total === 0 || !chosen} onClick={() => setConfirming(true)}>
          Label all {fmtInt(total)}…
        </button>
      </div>
      {err && <p className="error small">{err}</p>}
      {done && (
        <p className="small" data-testid="bulk-label-done" data-undone={String(done.undone)}>
          {done.undone ? `undone: the ${fmtInt(done.count)} labels are taken back` : `labelled ${fmtInt(done.count)} trajectories ${set} = ${chosen}`}{' '}
          {!done.undone && (
            <button type="button" data-testid="bulk-undo" onClick={() => void undo()}>
              Undo
            </button>
          )}
        </p>
      )}
      {confirming &&
        createPortal(
        <div
          className="overlay"
          role="dialog"
          aria-modal="true"
          aria-label="confirm bulk label"
          data-testid="bulk-label-confirm"
          onKeyDown={(e) => {
            // the dialog's keys are its own; Esc cancels it (not the whole popover)
            e.stopPropagation();
            if (e.key === 'Escape') setConfirming(false);
          }}
        >
          <div className="overlay-card confirm-card">
            <h2>Label {fmtInt(total)} trajectories?</h2>
            <p>
              Every one of the <b>{fmtInt(total)}</b> trajectories matching <code>{q.trim() || '(everything)'}</code> gets{' '}
              <b>
                {set} = {chosen}
              </b>{' '}
              as your label. This is one step: Undo (or <kbd>u</kbd> in a trajectory) takes it all back.
            </p>
            <div className="inline-form">
              <button type="button" className="primary" data-testid="bulk-label-ok" autoFocus onClick={() => void apply()}>
                Label {fmtInt(total)}
              </button>
              <button type="button" data-testid="bulk-label-cancel" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          </div>
        </div>,
          document.body,
        )}
    </div>
  );
}

/** The explorer's labelling button and popover; `total` is the query's match count. */
export function QueueBar({ q, total }: { q: string; total: number | null }) {
  const [open, setOpen] = useState(false);
  const queue = useStore(queueStore);
  useEscapeClose(open, () => setOpen(false));
  useViewKeys((a) => {
    if (a !== 'labelQueue') return false;
    setOpen((o) => !o);
    return true;
  });
  const resume = () => {
    const s = currentQueue();
    if (!s) return;
    const id = nextId(s.ids, null);
    if (id) navigate({ view: 'trajectory', id, q: s.spec.query, sort: 'relevance', step: null });
  };
  return (
    <span className="queue-bar">
      {queue && (
        <>
          <QueueProgress compact />
          <button type="button" className="link-button small" data-testid="queue-resume" onClick={resume}>
            resume
          </button>
          <button type="button" className="link-button small" data-testid="queue-stop" onClick={stopQueue}>
            stop
          </button>
        </>
      )}
      <button type="button" data-testid="queue-open" aria-expanded={open} onClick={() => setOpen(!open)} title="label these results">
        Label…
      </button>
      {open && (
        // keys typed here are the form's (Enter on a button presses it), not the explorer's; Esc still closes
        <div className="popover queue-popover" onKeyDown={(e) => e.key !== 'Escape' && e.stopPropagation()}>
          <StartQueue q={q} close={() => setOpen(false)} />
          {total !== null && <BulkLabel q={q} total={total} />}
        </div>
      )}
    </span>
  );
}
