// The one search box: the query language with field and value completion, a syntax help popover,
// and syntax errors shown at their column. Typing is debounced (150 ms) before it commits.

import { forwardRef, useEffect, useImperativeHandle, useMemo, useRef, useState } from 'react';
import type { ApiError } from '../api/client';
import type { FacetValue } from '../api/types';
import { useEscapeClose } from '../state/keyhub';
import { debouncer } from '../lib/debounce';
import { applyCompletion, columnToIndex, completions, FIELDS, FLAGS, type Completion } from '../lib/query';

export const DEBOUNCE_MS = 150;

export interface SearchBoxHandle {
  focus(): void;
  /** Commits the typed text now (Enter). */
  flush(): void;
}

interface Props {
  value: string;
  onCommit: (q: string) => void;
  /** Enter in the box (after the commit). */
  onSubmit?: () => void;
  facets: { [f: string]: FacetValue[] | undefined };
  error: ApiError | null;
  placeholder?: string;
}

export const SearchBox = forwardRef<SearchBoxHandle, Props>(function SearchBox(
  { value, onCommit, onSubmit, facets, error, placeholder },
  ref,
) {
  const [text, setText] = useState(value);
  const [compl, setCompl] = useState<Completion | null>(null);
  const [active, setActive] = useState(0);
  const [helpOpen, setHelpOpen] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEscapeClose(helpOpen, () => setHelpOpen(false));
  const committed = useRef(value);
  const onCommitRef = useRef(onCommit);
  onCommitRef.current = onCommit;
  const deb = useMemo(
    () =>
      debouncer(
        DEBOUNCE_MS,
        (q) => {
          committed.current = q;
          onCommitRef.current(q);
        },
        value,
      ),
    // one debouncer per box
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [],
  );

  // The URL changed (back, a facet click): show it.
  useEffect(() => {
    if (value !== committed.current) {
      committed.current = value;
      deb.reset(value);
      setText(value);
    }
  }, [value, deb]);

  useEffect(() => () => deb.cancel(), [deb]);

  const commit = (q: string) => deb.flush(q);
  const schedule = (q: string) => deb.schedule(q);

  useImperativeHandle(ref, () => ({
    focus: () => {
      input.current?.focus();
      input.current?.select();
    },
    flush: () => commit(text),
  }));

  const update = (q: string, pos: number, explicit = false) => {
    setText(q);
    const c = completions(q, pos, facets, explicit);
    setCompl(c.items.length > 0 ? c : null);
    setActive(0);
    schedule(q);
  };

  const accept = (i: number) => {
    if (!compl) return;
    const item = compl.items[i];
    if (!item) return;
    const r = applyCompletion(text, compl, item);
    setText(r.text);
    const c = completions(r.text, r.cursor, facets);
    setCompl(c.items.length > 0 ? c : null);
    setActive(0);
    schedule(r.text);
    requestAnimationFrame(() => {
      input.current?.setSelectionRange(r.cursor, r.cursor);
    });
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key === ' ' && e.ctrlKey) {
      e.preventDefault();
      const pos = input.current?.selectionStart ?? text.length;
      const c = completions(text, pos, facets, true);
      setCompl(c.items.length > 0 ? c : null);
      setActive(0);
      return;
    }
    if (compl) {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        setActive((active + 1) % compl.items.length);
        return;
      }
      if (e.key === 'ArrowUp') {
        e.preventDefault();
        setActive((active - 1 + compl.items.length) % compl.items.length);
        return;
      }
      if (e.key === 'Tab') {
        e.preventDefault();
        accept(active);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        setCompl(null);
        return;
      }
    }
    if (e.key === 'Enter') {
      e.preventDefault();
      e.stopPropagation();
      setCompl(null);
      commit(text);
      onSubmit?.();
    }
  };

  const errorAt = useMemo(() => {
    if (!error || error.code !== 'bad_query') return null;
    const q = committed.current;
    const col = error.column ?? 1;
    return { q, caret: columnToIndex(q, col) };
  }, [error]);

  return (
    <div className="searchbox">
      <div className="searchbox-row">
        <input
          ref={input}
          data-testid="search-input"
          className={`search-input${error ? ' has-error' : ''}`}
          type="search"
          spellCheck={false}
          autoComplete="off"
          placeholder={placeholder ?? 'search: words, "phrases", repo:django/* flag:loop steps:>50 …  (press ? for keys)'}
          value={text}
          onChange={(e) => update(e.target.value, e.target.selectionStart ?? e.target.value.length)}
          onKeyDown={onKeyDown}
          onBlur={() => window.setTimeout(() => setCompl(null), 150)}
          aria-label="search"
          aria-autocomplete="list"
          aria-expanded={compl !== null}
        />
        <button
          type="button"
          className="icon-button"
          data-testid="syntax-help-button"
          title="query syntax"
          onClick={() => setHelpOpen(!helpOpen)}
        >
          syntax
        </button>
      </div>
      {compl && (
        <ul className="completions" data-testid="completions" role="listbox">
          {compl.items.map((it, i) => (
            <li
              key={`${it.label}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              data-testid="completion-item"
              onMouseDown={(e) => {
                e.preventDefault();
                accept(i);
              }}
            >
              <span className="compl-label">{it.label}</span>
              {it.detail && <span className="compl-detail">{it.detail}</span>}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <div className="query-error" data-testid="query-error" role="alert">
          {errorAt && (
            <pre className="query-error-caret">
              {errorAt.q}
              {'\n'}
              {' '.repeat(errorAt.caret)}^
            </pre>
          )}
          <span className="query-error-message">
            {error.code === 'bad_query' && error.column !== null && !/column/.test(error.message)
              ? `column ${error.column}: `
              : ''}
            {error.message}
          </span>
        </div>
      )}
      {helpOpen && (
        <div className="popover syntax-help" data-testid="syntax-help" role="dialog" aria-label="query syntax">
          <button type="button" className="close" onClick={() => setHelpOpen(false)} aria-label="close">
            ×
          </button>
          <h3>Query syntax</h3>
          <p>
            Bare words and <code>"quoted phrases"</code> search the text. Juxtaposition is AND; <code>OR</code> (upper
            case) and parentheses group; <code>-</code> negates a word, phrase, filter or group. Values may be globs
            (<code>repo:django/*</code>) or quoted. Ctrl+Space lists the fields.
          </p>
          <table>
            <tbody>
              {FIELDS.map((f) => (
                <tr key={f.name}>
                  <td>
                    <code>{f.name}:</code>
                  </td>
                  <td>{f.help}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            Flags: {FLAGS.map((f) => <code key={f}>{f} </code>)}
          </p>
          <p>
            Examples: <code>flag:ran_tests repo:django/* "maximum recursion depth" -resolved:false</code>,{' '}
            <code>step:(tool:execute_bash cmd:/pytest/ exit:!0) steps:&gt;50</code>
          </p>
        </div>
      )}
    </div>
  );
});
