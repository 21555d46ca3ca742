// Trajectory view: header, problem statement, the step timeline (each tool call rendered by its
// kind), observations that collapse and load in full, the final patch, search-hit navigation.

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { call } from '../api/client';
import { VOCABULARY } from '../api/gen/vocabularyValues';
import type { Code, RenderedCall, RenderedStep } from '../api/types';
import { CodeBlock, Marked, Prose } from '../components/Code';
import { DiffList, FileDiffView, type DiffMode } from '../components/Diff';
import { LabelPanel } from '../components/LabelPanel';
import { fmtInt } from '../lib/format';
import { codeHasHit, stepHit, termRegex } from '../lib/hits';
import { encodeRoute } from '../lib/url';
import { useViewKeys } from '../state/keyhub';
import { navigate, replaceSilently } from '../state/router';
import { resultList } from '../state/results';
import { useStore } from '../state/store';
import { FIRST_STEPS, firstShown, prefetchNext, trajectoryStore } from '../state/trajectory';
import { useCall } from '../state/useCall';
import { CompareWith } from './trajectory/CompareWith';
import { ExitBadge, MetaHeader } from './trajectory/Meta';

/** Observations longer than this start collapsed (unless they hold a search hit): the server's
 * preview length, beyond which a rendered observation comes truncated. */
const COLLAPSE_AT = VOCABULARY.observation_preview_lines;
const PREVIEW_LINES = 6;
/** Steps rendered after the first screen (FIRST_STEPS), a chunk between frames. */
const STEP_CHUNK = 16;
/** Expanding a long observation loads this many of its lines; "show all" loads the rest. */
const EXPAND_LINES = 400;

interface ObsProps {
  code: Code;
  re: RegExp | null;
  open: boolean | undefined;
  onToggle: (open: boolean) => void;
  /** Loads more of the observation: `max` lines, or all of it. */
  onLoad: (max: number | null) => Promise<void>;
  exit: number | null;
  label: string;
}

function Observation({ code, re, open, onToggle, onLoad, exit, label }: ObsProps) {
  const hasHit = useMemo(() => codeHasHit(code.lines, re), [code, re]);
  const long = code.total_lines > COLLAPSE_AT;
  const isOpen = open ?? (hasHit || !long);
  const { run: load, busy: loading, error: err } = useCall(onLoad);
  // The trajectory carries a short preview of long observations; expanding one (button or `e`)
  // fetches up to EXPAND_LINES of it, and "show all" the rest.
  const wantMore = open === true && code.truncated && code.lines.length < Math.min(EXPAND_LINES, code.total_lines);
  useEffect(() => {
    if (wantMore && !loading && !err) void load(EXPAND_LINES);
  }, [wantMore, loading, err, load]);
  const hidden = code.total_lines - (isOpen ? code.lines.length : Math.min(PREVIEW_LINES, code.lines.length));
  return (
    <div className={`observation${isOpen ? ' open' : ' collapsed'}`} data-testid="observation">
      <div className="obs-head">
        <span className="obs-label">{label}</span>
        <ExitBadge code={exit} />
        <span className="muted small">
          {code.truncated ? `${code.lines.length} of ${fmtInt(code.total_lines)} lines` : `${code.lines.length} lines`}
        </span>
        {long && (
          <button type="button" className="link-button small" data-testid="obs-toggle" onClick={() => onToggle(!isOpen)}>
            {isOpen ? 'collapse' : 'expand'}
          </button>
        )}
      </div>
      <CodeBlock code={code} re={re} maxLines={isOpen ? undefined : PREVIEW_LINES} />
      {!isOpen && long && (
        <button type="button" className="more" onClick={() => onToggle(true)}>
          … {fmtInt(hidden)} more lines
        </button>
      )}
      {isOpen && code.truncated && (
        <button type="button" className="more" data-testid="show-all" disabled={loading} onClick={() => void load(null)}>
          {loading ? 'loading…' : `show all ${fmtInt(code.total_lines)} lines`}
        </button>
      )}
      {err && <p className="error small">{err}</p>}
    </div>
  );
}

function CallBody({ c, re, mode }: { c: RenderedCall; re: RegExp | null; mode: DiffMode }) {
  const r = c.render;
  switch (r.kind) {
    case 'bash':
      return (
        <div className="bash">
          <span className="prompt">$</span>
          <CodeBlock code={r.command} re={re} className="bash-command" />
        </div>
      );
    case 'view':
      return null;
    case 'edit':
      return <FileDiffView diff={r.diff} mode={mode} re={re} />;
    case 'create':
      return <CodeBlock code={r.code} re={re} numbers className="created" />;
    case 'think':
      return <Prose text={r.text} re={re} className="think" />;
    case 'finish':
      return <Prose text={r.text} re={re} className="finish" />;
    case 'generic':
      return <CodeBlock code={r.arguments} re={re} className="json" />;
  }
}

function callPath(c: RenderedCall): string | null {
  const r = c.render;
  return r.kind === 'view' || r.kind === 'edit' || r.kind === 'create' ? r.path : null;
}

interface StepProps {
  step: RenderedStep;
  re: RegExp | null;
  mode: DiffMode;
  focused: boolean;
  onFocus: () => void;
  obsOpen: Map<string, boolean>;
  setObsOpen: (key: string, open: boolean) => void;
  full: Map<string, Code>;
  loadFull: (step: number, call: number | null, max: number | null) => Promise<void>;
  /** The step's "where it went wrong" mark (its step labels as text), when it has one. */
  mark?: string;
}

function StepView({ step, re, mode, focused, onFocus, obsOpen, setObsOpen, full, loadFull, mark }: StepProps) {
  const tools = step.calls.map((c) => c.name);
  return (
    <section
      className={`step role-${step.role}${focused ? ' focused' : ''}${mark ? ' marked' : ''}`}
      data-testid="step"
      data-index={step.index}
      onClick={onFocus}
    >
      <header className="step-head">
        <span className="step-no">#{step.index}</span>
        <span className={`role role-${step.role}`} data-testid="step-role">
          {step.role}
        </span>
        {tools.length > 0 && <span className="step-tools">{tools.join(', ')}</span>}
        <ExitBadge code={step.exit_code} />
        {mark && (
          <span className="step-mark" data-testid="step-mark" title={`marked: ${mark}`}>
            <span aria-hidden="true">⚑</span> {mark}
          </span>
        )}
      </header>
      {step.thought && !step.calls.some((c) => c.render.kind === 'think' && c.render.text.trim() === step.thought?.trim()) && (
        <Prose text={step.thought} re={re} className="thought" />
      )}
      {step.text && <Prose text={step.text} re={re} className="text" />}
      {step.calls.map((c) => {
        const key = `${step.index}:${c.index}`;
        const path = callPath(c);
        const obs = full.get(key) ?? c.observation;
        return (
          <div className="call-block" key={c.index}>
            <div className={`call call-${c.render.kind}`} data-testid="tool-call" data-kind={c.render.kind}>
              <div className="call-head">
                <span className="tool-name">{c.name}</span>
                {c.render.kind === 'edit' && <span className="muted small">{c.render.command}</span>}
                {path && (
                  <span className="path">
                    <Marked text={path} re={re} />
                  </span>
                )}
              </div>
              <CallBody c={c} re={re} mode={mode} />
            </div>
            {obs && (
              <Observation
                code={obs}
                re={re}
                exit={c.exit_code}
                label={c.render.kind === 'view' ? 'file' : 'observation'}
                open={obsOpen.get(key)}
                onToggle={(o) => setObsOpen(key, o)}
                onLoad={(max) => loadFull(step.index, c.index, max)}
              />
            )}
          </div>
        );
      })}
      {step.observation && (
        <Observation
          code={full.get(`${step.index}:-`) ?? step.observation}
          re={re}
          exit={step.calls.length === 0 ? step.exit_code : null}
          label="observation"
          open={obsOpen.get(`${step.index}:-`)}
          onToggle={(o) => setObsOpen(`${step.index}:-`, o)}
          onLoad={(max) => loadFull(step.index, null, max)}
        />
      )}
    </section>
  );
}

interface Props {
  id: string;
  q: string;
  sort: string;
  step: number | null;
  mode: DiffMode;
  toggleMode: () => void;
}

export function TrajectoryView({ id, q, sort, step, mode, toggleMode }: Props) {
  const store = useMemo(() => trajectoryStore(id, q), [id, q]);
  const { data, error } = useStore(store);
  const [focus, setFocus] = useState(step ?? 0);
  const [obsOpen, setObsOpenMap] = useState<Map<string, boolean>>(new Map());
  const [full, setFull] = useState<Map<string, Code>>(new Map());
  const [hitIdx, setHitIdx] = useState(-1);
  const [hitTotal, setHitTotal] = useState(0);
  const [navMsg, setNavMsg] = useState<string | null>(null);
  const [shown, setShown] = useState(() => firstShown(step));
  const [marks, setMarks] = useState<Map<number, string>>(() => new Map());
  const root = useRef<HTMLDivElement>(null);

  // The view is keyed by trajectory (App), so it mounts afresh for each one: load it (or its
  // rest, when the cache holds only its first part).
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => store.open(step), [store]);

  const re = useMemo(() => termRegex(data?.terms ?? []), [data]);

  // Render the remaining steps a chunk at a time after the first screen has painted.
  const total = data?.steps.length ?? 0;
  useEffect(() => {
    if (shown >= total) return;
    const t = window.setTimeout(() => setShown((n) => Math.min(total, n + STEP_CHUNK)), 0);
    return () => window.clearTimeout(t);
  }, [shown, total]);
  // Once this one is fully shown, fetch the next one in the background, so that Enter (labelling)
  // or J shows it from the cache.
  const complete = data !== null && data.complete && shown >= total;
  useEffect(() => {
    if (!complete) return;
    const t = window.setTimeout(() => prefetchNext(id, q, sort), 200);
    return () => window.clearTimeout(t);
  }, [complete, id, q, sort]);
  /** Makes sure steps up to `i` (or all) are in the DOM before looking for them. */
  const renderThrough = (i: number = total) => {
    if (shown <= i && shown < total) flushSync(() => setShown(Math.min(total, Math.max(i + FIRST_STEPS, shown))));
  };

  // Count the hits after every render (expanding an observation can add some).
  useLayoutEffect(() => {
    const n = root.current?.querySelectorAll('mark[data-hit="start"]').length ?? 0;
    if (n !== hitTotal) setHitTotal(n);
  });

  // Scroll to the step of the URL once loaded (once: not again when the rest of the steps arrive).
  const loaded = data !== null;
  useEffect(() => {
    if (loaded && step !== null) scrollToStep(step, 'auto');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loaded]);

  const scrollToStep = (i: number, behavior: ScrollBehavior = 'auto') => {
    const el = root.current?.querySelector(`[data-testid="step"][data-index="${i}"]`);
    el?.scrollIntoView({ block: 'start', behavior });
  };

  const moveFocus = (i: number) => {
    if (!data || data.steps.length === 0) return;
    const n = Math.max(0, Math.min(data.steps.length - 1, i));
    renderThrough(n);
    setFocus(n);
    scrollToStep(n);
    replaceSilently({ view: 'trajectory', id, q, sort, step: n });
  };

  const setObsOpen = useCallback((k: string, o: boolean) => {
    setObsOpenMap((m) => new Map(m).set(k, o));
  }, []);

  const loadFull = useCallback(
    async (s: number, c: number | null, max: number | null) => {
      const code = await call('observation', { id, step: s, call: c, max_lines: max ?? undefined });
      setFull((m) => new Map(m).set(`${s}:${c ?? '-'}`, code));
    },
    [id],
  );

  const jumpHit = (dir: 1 | -1) => {
    renderThrough();
    const marks = Array.from(root.current?.querySelectorAll<HTMLElement>('mark[data-hit="start"]') ?? []);
    const i = stepHit(hitIdx, marks.length, dir);
    if (i < 0) return;
    for (const m of root.current?.querySelectorAll('mark.current') ?? []) m.classList.remove('current');
    const m = marks[i];
    m.classList.add('current');
    m.scrollIntoView({ block: 'center', behavior: 'auto' });
    setHitIdx(i);
    const s = m.closest('[data-testid="step"]');
    if (s) setFocus(Number(s.getAttribute('data-index')));
  };

  const openNeighbour = async (dir: 1 | -1) => {
    const list = resultList(q, sort);
    await list.rowAt(0);
    let idx = list.indexOf(id);
    if (idx < 0) idx = list.selected - dir;
    const hit = await list.rowAt(idx + dir);
    if (!hit) {
      setNavMsg(dir === 1 ? 'last trajectory of the list' : 'first trajectory of the list');
      window.setTimeout(() => setNavMsg(null), 1500);
      return;
    }
    list.selected = idx + dir;
    navigate({ view: 'trajectory', id: hit.id, q, sort, step: null });
  };

  useViewKeys((a) => {
    switch (a) {
      case 'nextStep':
        moveFocus(focus + 1);
        return true;
      case 'prevStep':
        moveFocus(focus - 1);
        return true;
      case 'nextHit':
        jumpHit(1);
        return true;
      case 'prevHit':
        jumpHit(-1);
        return true;
      case 'nextTraj':
        void openNeighbour(1);
        return true;
      case 'prevTraj':
        void openNeighbour(-1);
        return true;
      case 'expand': {
        const s = data?.steps[focus];
        if (!s) return true;
        const keys = [...s.calls.filter((c) => c.observation).map((c) => `${s.index}:${c.index}`)];
        if (s.observation) keys.push(`${s.index}:-`);
        const els = root.current?.querySelectorAll(`[data-testid="step"][data-index="${s.index}"] [data-testid="observation"]`);
        const anyCollapsed = Array.from(els ?? []).some((e) => e.classList.contains('collapsed'));
        setObsOpenMap((m) => {
          const n = new Map(m);
          for (const k of keys) n.set(k, anyCollapsed);
          return n;
        });
        return true;
      }
      case 'toggleDiff':
        toggleMode();
        return true;
      default:
        return false;
    }
  });

  if (error) {
    return (
      <div className="trajectory-view error-page" data-testid="trajectory-view">
        <p className="error">
          {error.code === 'not_found' ? `No trajectory ${id}.` : error.message}
        </p>
        <a href={encodeRoute({ view: 'search', q, sort })}>← back to the results</a>
      </div>
    );
  }
  if (!data) {
    return (
      <div className="trajectory-view loading" data-testid="trajectory-loading">
        <p className="muted">loading {id}…</p>
      </div>
    );
  }
  const meta = data.meta;
  return (
    <div className="trajectory-view" data-testid="trajectory-view" data-id={meta.id} ref={root}>
      <div className="traj-toolbar">
        <a href={encodeRoute({ view: 'search', q, sort })} className="back">
          ← results
        </a>
        <button type="button" onClick={() => void openNeighbour(-1)} title="previous trajectory (K)">
          ↑ prev
        </button>
        <button type="button" onClick={() => void openNeighbour(1)} title="next trajectory (J)">
          ↓ next
        </button>
        <CompareWith meta={meta} q={q} />
        <button type="button" data-testid="diff-mode" onClick={toggleMode} title="unified / side-by-side (d)">
          {mode === 'unified' ? 'side-by-side' : 'unified'} diffs
        </button>
        <span className="spacer" />
        {navMsg && <span className="muted small">{navMsg}</span>}
        {data.terms.length > 0 && (
          <span className="hit-counter" data-testid="hit-counter" title="n / N: next / previous hit">
            hit {hitIdx >= 0 ? hitIdx + 1 : 0}/{hitTotal}
          </span>
        )}
        <span className="muted small" data-testid="step-counter">
          step {Math.min(focus, Math.max(0, data.steps.length - 1))}/{Math.max(0, meta.step_count - 1)}
        </span>
      </div>
      <MetaHeader meta={meta} />
      <LabelPanel id={meta.id} step={focus} steps={meta.step_count} q={q} sort={sort} onMarks={setMarks} />
      {data.problem_statement && (
        <section className="problem">
          <h2>Problem statement</h2>
          <Prose text={data.problem_statement} re={re} limit={16} />
        </section>
      )}
      <section className="timeline">
        <h2>Steps ({meta.step_count})</h2>
        {data.steps.slice(0, shown).map((s) => (
          <StepView
            key={s.index}
            step={s}
            re={re}
            mode={mode}
            focused={s.index === focus}
            onFocus={() => setFocus(s.index)}
            obsOpen={obsOpen}
            setObsOpen={setObsOpen}
            full={full}
            loadFull={loadFull}
            mark={marks.get(s.index)}
          />
        ))}
      </section>
      {(shown < data.steps.length || !data.complete) && (
        <p className="muted small">
          rendering steps {Math.min(shown, data.steps.length)}–{meta.step_count - 1}…
        </p>
      )}
      <section className="patch">
        <h2>Final patch</h2>
        {shown >= data.steps.length && data.complete ? (
          <DiffList diffs={data.patch} mode={mode} re={re} empty="No patch." />
        ) : (
          <p className="muted small">{meta.facts.patch_files.length} files, shown after the steps</p>
        )}
      </section>
    </div>
  );
}
