// The label panel of the trajectory view, keyboard first: every label set with its values (number
// keys shown), this annotator's current value and everyone else's, the focused step's "where it
// went wrong" labels, notes, and the engine flags to confirm or dismiss. A number key writes at
// once (one batch per key, so `u` undoes exactly it); Enter goes to the next trajectory of the
// queue (or of the result list) once the writes have landed.
//
// data-testids: label-panel (data-target = trajectory | step), label-annotator, label-status,
// label-set (data-set, data-active), label-value (data-value, data-chosen, data-key), label-mine,
// label-others, label-note, label-target, flag-review (data-flag, data-decision), flag-confirm,
// flag-dismiss, marked-steps; queue-progress comes from QueueBar. The step marks of the timeline
// (Trajectory.tsx, data-testid step-mark) are computed here and handed up through `onMarks`.

import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { call, isAbort } from '../api/client';
import { errorText } from '../api/errors';
import type { LabelSetView } from '../api/types';
import { LabelsStore } from '../state/labels';
import { labelSetStore } from '../state/labelsets';
import { useStore } from '../state/store';
import {
  choices,
  cycle,
  formatValue,
  isChosen,
  labelledSteps,
  mine,
  others,
  pickValue,
  reviewableFlags,
  setsFor,
  stepMarks,
  type LabelValue,
  type Target,
} from '../lib/labels';
import { toView, useViewKeys } from '../state/keyhub';
import { advance, currentQueue, queueStore, refreshProgress } from '../state/queue';
import { dropWrite, lastWrite, pushWrite } from '../state/undo';
import { navigate } from '../state/router';
import { resultList } from '../state/results';
import { QueueProgress } from './QueueBar';
import { reportLost } from '../state/writes';

/** The active set's name, kept across trajectories (an annotator walks a queue in one set). */
let activeSetName = 'verdict';

interface Props {
  /** Trajectory id (full). */
  id: string;
  /** The focused step of the trajectory view. */
  step: number;
  /** Number of steps. */
  steps: number;
  q: string;
  sort: string;
  /** Told the step marks ("where it went wrong", step → text) whenever the labels change. */
  onMarks?: (marks: Map<number, string>) => void;
}

const NO_SETS: LabelSetView[] = [];

export function LabelPanel({ id, step, steps, q, sort, onMarks }: Props) {
  const setsLoaded = useStore(labelSetStore);
  const sets = setsLoaded.data ?? NO_SETS;
  const [stepMode, setStepMode] = useState(false);
  const [active, setActive] = useState(activeSetName);
  const [status, setStatus] = useState<{ text: string; error?: boolean } | null>(null);
  const [pending, setPending] = useState(0);
  const inflight = useRef<Promise<unknown>>(Promise.resolve());
  /** The last write failed (its message): Enter stays once, so the annotator sees it. */
  const failed = useRef<string | null>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const queue = useStore(queueStore);

  // a set defined in Review (or another view) shows at once (the store); a failure shows in the status line
  useEffect(() => {
    if (setsLoaded.error !== null) setStatus({ text: errorText(setsLoaded.error), error: true });
  }, [setsLoaded.error]);

  // this trajectory's labels (a new store, empty until read, for each trajectory)
  const labelsStore = useMemo(() => new LabelsStore(id), [id]);
  const labels = useStore(labelsStore);
  const setLabels = labelsStore.update;
  const reload = useCallback(
    (signal?: AbortSignal) =>
      labelsStore.reload(signal).catch((e) => {
        if (!isAbort(e)) setStatus({ text: errorText(e), error: true });
      }),
    [labelsStore],
  );

  useEffect(() => {
    setStatus(null);
    setStepMode(false);
    setActive(activeSetName);
    failed.current = null;
    const ctl = new AbortController();
    void reload(ctl.signal);
    return () => ctl.abort();
  }, [reload]);

  // the timeline marks the labelled steps; the optimistic update above reaches it at once
  const current0 = labels?.current;
  useEffect(() => {
    onMarks?.(stepMarks(current0 ?? []));
  }, [current0, onMarks]);

  const target: Target = stepMode ? { kind: 'step', step } : { kind: 'trajectory' };
  const shown = setsFor(sets, target);
  const activeIdx = Math.max(
    0,
    shown.findIndex((s) => s.name === active),
  );
  const activeSet = shown[activeIdx];
  const annotator = labels?.annotator ?? '';
  const current = labels?.current ?? [];

  const chooseSet = (name: string) => {
    setActive(name);
    if (!stepMode) activeSetName = name;
  };

  /**
   * Runs a write after the previous ones (keys pressed fast stay in order), then reloads. A write
   * the server did not confirm is undone on screen (`revert`), named in the banner of lost writes
   * (with a retry) and in the status line, and keeps Enter from moving on once.
   */
  const write = (what: string, run: () => Promise<{ batch: string; count: number | bigint }>, revert?: () => void) => {
    setPending((n) => n + 1);
    setStatus({ text: 'saving…' });
    const where = `${what} on ${id.slice(0, 8)}`;
    const p = inflight.current
      .catch(() => {})
      .then(run)
      .then(async (r) => {
        failed.current = null;
        pushWrite({ batch: r.batch, id, what });
        await reload();
        setStatus({ text: `saved ${what}` });
        if (currentQueue()) await refreshProgress().catch(() => {});
      })
      .catch((e) => {
        revert?.();
        const why = errorText(e);
        failed.current = `${what}: ${why}`;
        setStatus({ text: `not saved — ${what}: ${why}`, error: true });
        reportLost(where, e, () =>
          run().then(async (r) => {
            failed.current = null;
            pushWrite({ batch: r.batch, id, what });
            await reload();
            setStatus({ text: `saved ${what}` });
          }),
        );
        void reload();
      })
      .finally(() => setPending((n) => n - 1));
    inflight.current = p;
    return p;
  };

  const setValue = (set: LabelSetView, value: LabelValue | null) => {
    const s = target.kind === 'step' ? target.step : null;
    const where = s === null ? '' : ` on step ${s}`;
    const isMine = (c: { annotator: string; set: string; step: number | null }, who: string) => c.annotator === who && c.set === set.name && c.step === s;
    // show it at once; the reload after the write confirms it, a failure puts the old value back
    const before = labels?.current.find((c) => isMine(c, labels.annotator));
    setLabels((l) => {
      if (!l) return l;
      const rest = l.current.filter((c) => !isMine(c, l.annotator));
      const isEmpty = value === null || (Array.isArray(value) && value.length === 0) || value === '';
      return { ...l, current: isEmpty ? rest : [...rest, { annotator: l.annotator, step: s, set: set.name, value, at: '' }] };
    });
    const revert = () =>
      setLabels((l) => {
        if (!l) return l;
        const rest = l.current.filter((c) => !isMine(c, l.annotator));
        return { ...l, current: before ? [...rest, before] : rest };
      });
    if (value === null) return write(`${set.name} cleared${where}`, () => call('clear_label', { id, step: s, set: set.name }), revert);
    return write(`${set.name} = ${formatValue(value)}${where}`, () => call('label', { id, step: s, set: set.name, value }), revert);
  };

  const pick = (set: LabelSetView, digit: number) => {
    if (set.kind === 'text') {
      noteRef.current?.focus();
      return;
    }
    const v = pickValue(set, digit, mine(current, annotator, set.name, target));
    if (v === undefined) {
      setStatus({ text: `${set.name} has no value ${digit}`, error: true });
      return;
    }
    void setValue(set, v);
  };

  const saveNote = (set: LabelSetView, text: string) => {
    const before = mine(current, annotator, set.name, target);
    if ((typeof before === 'string' ? before : '') === text.trim()) return;
    void setValue(set, text.trim() === '' ? null : text.trim());
  };

  const next = async () => {
    await inflight.current.catch(() => {});
    if (failed.current) {
      setStatus({ text: `not saved — ${failed.current} (Enter again moves on without it)`, error: true });
      failed.current = null;
      return;
    }
    const verdictSet = currentQueue()?.spec.set ?? 'verdict';
    if (currentQueue()) {
      const labelled = current.some((c) => c.annotator === annotator && c.set === verdictSet && c.step === null);
      try {
        const n = await advance(id, labelled);
        if (n === null) {
          setStatus({ text: 'end of the queue: nothing left to label' });
          return;
        }
        const s = currentQueue()!.spec;
        navigate({ view: 'trajectory', id: n, q: s.query, sort: 'relevance', step: null });
      } catch (e) {
        setStatus({ text: errorText(e), error: true });
      }
      return;
    }
    // no queue: the next trajectory of the result list
    const list = resultList(q, sort);
    await list.rowAt(0);
    const idx = list.indexOf(id);
    const hit = await list.rowAt((idx < 0 ? list.selected : idx) + 1);
    if (!hit) {
      setStatus({ text: 'last trajectory of the list' });
      return;
    }
    list.selected = (idx < 0 ? list.selected : idx) + 1;
    navigate({ view: 'trajectory', id: hit.id, q, sort, step: null });
  };

  const undo = async () => {
    await inflight.current.catch(() => {});
    const last = lastWrite();
    try {
      // the newest write of this tab; without one, the annotator's latest batch (server side)
      const r = await call('undo', { batch: last?.batch ?? null });
      if (last) dropWrite(last.batch);
      const what = last ? `undone: ${last.what}` : `undone your last batch (${r.count} labels)`;
      if (last?.id && last.id !== id) {
        // back to the trajectory whose label was taken back, so the annotator sees it
        const s = currentQueue()?.spec;
        navigate({ view: 'trajectory', id: last.id, q: s ? s.query : q, sort: s ? 'relevance' : sort, step: null });
        return;
      }
      await reload();
      setStatus({ text: what });
      if (currentQueue()) await refreshProgress().catch(() => {});
    } catch (e) {
      if (last) dropWrite(last.batch);
      setStatus({ text: errorText(e), error: true });
    }
  };

  useViewKeys((a, key) => {
    switch (a) {
      case 'labelPick':
        if (activeSet) pick(activeSet, Number(key));
        return true;
      case 'labelClear':
        if (activeSet && mine(current, annotator, activeSet.name, target) !== undefined) void setValue(activeSet, null);
        return true;
      case 'labelNextSet':
      case 'labelPrevSet':
        if (shown.length) chooseSet(shown[cycle(shown.length, activeIdx, a === 'labelNextSet' ? 1 : -1)].name);
        return true;
      case 'labelNext':
        void next();
        return true;
      case 'labelUndo':
        void undo();
        return true;
      case 'labelStep': {
        const on = !stepMode;
        setStepMode(on);
        const list = setsFor(sets, on ? { kind: 'step', step } : { kind: 'trajectory' });
        // on a step, start in the first select set (failure_mode): "where it went wrong, and how"
        setActive(on ? (list.find((s) => s.kind === 'multi' || s.kind === 'single')?.name ?? list[0]?.name ?? '') : activeSetName);
        return true;
      }
      case 'labelNote': {
        const note = shown.find((s) => s.kind === 'text');
        if (note) {
          setActive(note.name);
          window.setTimeout(() => noteRef.current?.focus(), 0);
        }
        return true;
      }
      default:
        return false;
    }
  });

  const marked = labelledSteps(current);
  const flags = reviewableFlags(labels?.flags ?? []);

  return (
    <aside className="label-panel" data-testid="label-panel" data-target={target.kind} data-pending={pending} aria-label="labels">
      <header className="lp-head">
        <h2>Labels</h2>
        <span className="muted small" data-testid="label-annotator" title="this install's annotator (set it in the Library)">
          as {annotator || '…'}
        </span>
      </header>
      {queue && <QueueProgress />}
      <div className="lp-target" data-testid="label-target">
        <button type="button" className={!stepMode ? 'on' : ''} aria-pressed={!stepMode} onClick={() => stepMode && toView('labelStep')}>
          trajectory
        </button>
        <button
          type="button"
          className={stepMode ? 'on' : ''}
          aria-pressed={stepMode}
          onClick={() => !stepMode && toView('labelStep')}
          title="w: label the focused step (where it went wrong)"
        >
          step #{step} <kbd>w</kbd>
        </button>
      </div>
      {stepMode && (
        <p className="small lp-hint">
          Step <b>#{step}</b> of {Math.max(0, steps - 1)}: where it went wrong (j / k move the step).
        </p>
      )}
      {!labels && !status?.error && <p className="muted small">loading labels…</p>}
      {shown.map((s, i) => {
        const my = mine(current, annotator, s.name, target);
        const theirs = others(current, annotator, s.name, target);
        const isActive = i === activeIdx;
        return (
          <section
            key={s.name}
            className={`lp-set${isActive ? ' active' : ''}`}
            data-testid="label-set"
            data-set={s.name}
            data-active={String(isActive)}
            onClick={() => chooseSet(s.name)}
          >
            <h3>
              <span className="lp-set-name" title={s.description ?? undefined}>
                {s.name}
              </span>
              <span className="muted small">{s.kind === 'multi' ? 'any of' : s.kind === 'rating' ? `${s.min}–${s.max}` : s.kind === 'text' ? 'text' : 'one of'}</span>
              {isActive && <span className="lp-active small">active · l / L</span>}
            </h3>
            {s.kind === 'text' ? (
              <NoteField
                key={`${id}:${target.kind === 'step' ? target.step : '-'}:${s.name}`}
                refEl={isActive ? noteRef : undefined}
                initial={typeof my === 'string' ? my : ''}
                onSave={(t) => saveNote(s, t)}
                onFocus={() => chooseSet(s.name)}
              />
            ) : (
              <div className={`lp-values kind-${s.kind}`}>
                {choices(s).map((c) => {
                  const on = isChosen(my, c.value);
                  return (
                    <button
                      type="button"
                      key={String(c.value)}
                      className={`lp-value${on ? ' chosen' : ''}`}
                      data-testid="label-value"
                      data-value={String(c.value)}
                      data-chosen={String(on)}
                      data-key={c.key ?? ''}
                      aria-pressed={on}
                      onClick={(e) => {
                        e.stopPropagation();
                        chooseSet(s.name);
                        if (c.key !== null) pick(s, c.key);
                        else void setValue(s, c.value);
                      }}
                    >
                      {isActive && c.key !== null && <kbd>{c.key}</kbd>}
                      <span>{String(c.value)}</span>
                    </button>
                  );
                })}
              </div>
            )}
            {my !== undefined && s.kind !== 'text' && (
              <p className="small lp-mine" data-testid="label-mine">
                you: <b>{formatValue(my)}</b>
              </p>
            )}
            {theirs.length > 0 && (
              <p className="small muted lp-others" data-testid="label-others">
                {theirs.map((t, j) => (
                  <span key={t.annotator}>
                    {j > 0 && ' · '}
                    {t.annotator}: {formatValue(t.value)}
                  </span>
                ))}
              </p>
            )}
          </section>
        );
      })}
      {marked.length > 0 && (
        <section className="lp-marked small" data-testid="marked-steps">
          <h3>Marked steps</h3>
          <ul>
            {marked.map((m) => (
              <li key={m}>
                #{m}:{' '}
                {current
                  .filter((c) => c.step === m)
                  .map((c) => `${c.set} ${formatValue(c.value)}${c.annotator === annotator ? '' : ` (${c.annotator})`}`)
                  .join('; ')}
              </li>
            ))}
          </ul>
        </section>
      )}
      {flags.length > 0 && (
        <section className="lp-flags">
          <h3>Flags in review</h3>
          <ul>
            {flags.map((f) => {
              const d = f.decisions[annotator] ?? '';
              const decide = (decision: 'confirm' | 'dismiss') =>
                write(`${decision === d ? 'cleared' : decision} ${f.flag}`, () =>
                  call('review_flag', { id, flag: f.flag, decision: decision === d ? 'clear' : decision }),
                );
              const rest = Object.entries(f.decisions).filter(([a]) => a !== annotator);
              return (
                <li key={f.flag} className="lp-flag" data-testid="flag-review" data-flag={f.flag} data-decision={d}>
                  <span className={`chip flag-${f.flag}${d === 'dismiss' ? ' dismissed' : ''}`}>{f.flag}</span>
                  {!f.set_by_engine && <span className="muted small">(not set by the engine)</span>}
                  <span className="spacer" />
                  <button type="button" className={d === 'confirm' ? 'on ok' : ''} aria-pressed={d === 'confirm'} data-testid="flag-confirm" onClick={() => void decide('confirm')}>
                    ✓ confirm
                  </button>
                  <button type="button" className={d === 'dismiss' ? 'on bad' : ''} aria-pressed={d === 'dismiss'} data-testid="flag-dismiss" onClick={() => void decide('dismiss')}>
                    ✗ dismiss
                  </button>
                  {rest.length > 0 && (
                    <span className="muted small lp-flag-others">{rest.map(([a, v]) => `${a}: ${v}`).join(' · ')}</span>
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      )}
      <p className={`small lp-status${status?.error ? ' error' : ' muted'}`} data-testid="label-status" role="status">
        {status?.text ?? '\u00a0'}
      </p>
      <p className="muted small lp-keys">
        <kbd>1</kbd>–<kbd>9</kbd> pick · <kbd>0</kbd> clear · <kbd>l</kbd> set · <kbd>Enter</kbd> next · <kbd>u</kbd> undo · <kbd>w</kbd> step · <kbd>i</kbd> note
      </p>
    </aside>
  );
}

function NoteField({
  initial,
  onSave,
  onFocus,
  refEl,
}: {
  initial: string;
  onSave: (text: string) => void;
  onFocus: () => void;
  refEl?: RefObject<HTMLTextAreaElement | null>;
}) {
  const [text, setText] = useState(initial);
  const [dirty, setDirty] = useState(false);
  useEffect(() => {
    if (!dirty) setText(initial);
  }, [initial, dirty]);
  return (
    <textarea
      ref={refEl}
      rows={2}
      data-testid="label-note"
      placeholder="notes (saved when you leave the field; Esc)"
      value={text}
      onFocus={onFocus}
      onClick={(e) => e.stopPropagation()}
      onChange={(e) => {
        setText(e.target.value);
        setDirty(true);
      }}
      onBlur={() => {
        if (dirty) onSave(text);
        setDirty(false);
      }}
    />
  );
}
