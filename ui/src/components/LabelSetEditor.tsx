// Label sets defined in the app (Review → Label sets): the sets with their kind, level and values;
// a form that creates a set or replaces one (single-, multi-select, rating, free text; trajectory,
// step or both), and loading sets from a JSON file in the format of `trawl labelsets define
// --file`. The server validates; its message is shown as is. A defined set reaches the label panel
// at once (state/labelsets.ts).
//
// data-testids: labelsets, labelset-row (data-set, data-kind, data-level), labelset-edit,
// labelset-form, labelset-name, labelset-kind, labelset-level, labelset-values, labelset-min,
// labelset-max, labelset-description, labelset-define, labelset-result (data-error), labelset-file.

import { useState } from 'react';
import { errorText } from '../api/errors';
import { FLAG_REVIEW_SET } from '../lib/labels';
import { EMPTY_DRAFT, KINDS, LEVELS, describeKind, draftToView, parseSetsFile, viewToDraft, type SetDraft } from '../lib/labelsets';
import { defineLabelSet, labelSetStore } from '../state/labelsets';
import { useStore } from '../state/store';
import { useCall } from '../state/useCall';


const KIND_HELP: Record<string, string> = {
  single: 'single-select: one value (keys 1–9)',
  multi: 'multi-select: any of the values (keys toggle)',
  rating: 'rating: an integer from min to max (keys 1–9)',
  text: 'free text (a note)',
};

export function LabelSetEditor() {
  const setsLoaded = useStore(labelSetStore);
  const sets = setsLoaded.data ?? [];
  const [draft, setDraft] = useState<SetDraft>(EMPTY_DRAFT);
  // defining a set and loading a file of sets: one action at a time, its outcome as a sentence
  const act = useCall((job: () => Promise<string>) => job());
  const busy = act.busy;
  const result =
    act.error !== null
      ? { text: act.error, error: true }
      : act.result !== null
        ? { text: act.result, error: false }
        : setsLoaded.error !== null
          ? { text: errorText(setsLoaded.error), error: true }
          : null;

  const edit = (d: Partial<SetDraft>) => setDraft((x) => ({ ...x, ...d }));
  const existing = sets.find((s) => s.name === draft.name.trim());
  const select = draft.kind === 'single' || draft.kind === 'multi';

  const define = () =>
    act.run(async () => {
      const s = await defineLabelSet(draftToView(draft));
      setDraft(EMPTY_DRAFT);
      return `${existing ? 'updated' : 'defined'} ${s.name}: ${describeKind(s)}, ${s.level} level`;
    });

  const loadFile = (file: File) =>
    act.run(async () => {
      const done: string[] = [];
      try {
        const list = parseSetsFile(await file.text(), file.name);
        for (const s of list) {
          await defineLabelSet(s);
          done.push(s.name);
        }
        return `${file.name}: defined ${done.length} label set${done.length === 1 ? '' : 's'}: ${done.join(', ')}`;
      } catch (e) {
        // the sets defined before the failing one stay defined: say which
        if (done.length) throw new Error(`${errorText(e)} (defined before it: ${done.join(', ')})`);
        throw e;
      }
    });

  return (
    <section className="card" data-testid="labelsets">
      <h2>Label sets</h2>
      <table className="grid-table">
        <thead>
          <tr>
            <th>name</th>
            <th>kind</th>
            <th>level</th>
            <th>values</th>
            <th>help</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sets.map((s) => (
            <tr key={s.name} data-testid="labelset-row" data-set={s.name} data-kind={s.kind} data-level={s.level}>
              <td className="mono">{s.name}</td>
              <td className="labelset-kind">{describeKind(s)}</td>
              <td>{s.level}</td>
              <td className="labelset-values">{s.kind === 'rating' ? `${s.min}–${s.max}` : s.values.join(', ') || '–'}</td>
              <td className="small muted">{s.description ?? ''}</td>
              <td>
                {s.name !== FLAG_REVIEW_SET && (
                  <button
                    type="button"
                    className="link-button small"
                    data-testid="labelset-edit"
                    onClick={() => {
                      setDraft(viewToDraft(s));
                      act.reset();
                    }}
                  >
                    edit
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3>{existing ? `Change ${existing.name}` : 'New label set'}</h3>
      <form
        className="labelset-form"
        data-testid="labelset-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) void define();
        }}
      >
        <label htmlFor="ls-name">name</label>
        <input
          id="ls-name"
          type="text"
          className="full"
          data-testid="labelset-name"
          value={draft.name}
          onChange={(e) => edit({ name: e.target.value })}
          placeholder="lowercase letters, digits, _ (queried as label:NAME=…)"
          autoComplete="off"
        />
        <label htmlFor="ls-kind">kind</label>
        <div className="ls-row">
          <select id="ls-kind" data-testid="labelset-kind" value={draft.kind} onChange={(e) => edit({ kind: e.target.value })}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
          <span className="muted small">{KIND_HELP[draft.kind]}</span>
        </div>
        <label htmlFor="ls-level">level</label>
        <div className="ls-row">
          <select id="ls-level" data-testid="labelset-level" value={draft.level} onChange={(e) => edit({ level: e.target.value })}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
          <span className="muted small">a step-level set labels the step where it went wrong (w)</span>
        </div>
        {select && (
          <>
            <label htmlFor="ls-values">values</label>
            <input
              id="ls-values"
              type="text"
              className="full"
              data-testid="labelset-values"
              value={draft.values}
              onChange={(e) => edit({ values: e.target.value })}
              placeholder="in key order, separated by commas: easy, medium, hard"
              autoComplete="off"
            />
          </>
        )}
        {draft.kind === 'rating' && (
          <>
            <label htmlFor="ls-min">range</label>
            <div className="ls-row">
              <input id="ls-min" type="number" data-testid="labelset-min" value={draft.min} onChange={(e) => edit({ min: e.target.value })} />
              <span>to</span>
              <input type="number" data-testid="labelset-max" aria-label="max" value={draft.max} onChange={(e) => edit({ max: e.target.value })} />
            </div>
          </>
        )}
        <label htmlFor="ls-desc">help</label>
        <input
          id="ls-desc"
          type="text"
          className="full"
          data-testid="labelset-description"
          value={draft.description}
          onChange={(e) => edit({ description: e.target.value })}
          placeholder="one line shown with the set (optional)"
          autoComplete="off"
        />
        <span />
        <div className="ls-row">
          <button type="submit" data-testid="labelset-define" disabled={busy}>
            {existing ? `Update ${existing.name}` : 'Define'}
          </button>
          {existing && (
            <span className="muted small">
              replaces its schema; labels stay (its kind cannot change once it has labels)
            </span>
          )}
        </div>
      </form>
      <div className="inline-form labelset-file">
        <label htmlFor="ls-file" className="small">
          from a file
        </label>
        <input
          id="ls-file"
          type="file"
          accept=".json,application/json"
          data-testid="labelset-file"
          disabled={busy}
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void loadFile(f);
          }}
        />
        <span className="muted small">
          JSON as for <code>trawl labelsets define --file</code>: one set, a list, or {'{"sets": [...]}'}
        </span>
      </div>
      {result && (
        <p className={`small${result.error ? ' error' : ''}`} data-testid="labelset-result" data-error={String(result.error)} role="status">
          {result.text}
        </p>
      )}
    </section>
  );
}
