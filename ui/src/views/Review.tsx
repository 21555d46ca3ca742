// Review: agreement between annotators per label set (Cohen's κ for two, Krippendorff's α
// otherwise), and the items they disagree on side by side, each with a way to record the
// adjudicated value (`adjudicate`, written as `adjudicator:<you>`; queries then see it); the label
// sets and their editor (components/LabelSetEditor.tsx); the labels file.
//
// data-testids: review-view, agreement-table, agreement-row (data-set), agreement-value,
// review-annotators, disagreement-list, disagreement-row (data-id, data-step), adjudicate
// (data-value), adjudicate-other, adjudicated, labels-file, labels-path, labels-annotator,
// labels-export, labels-import, labels-result, labels-import-error.

import { useMemo, useState } from 'react';
import { call } from '../api/client';
import { errorText } from '../api/errors';
import type { AgreementResponse, DisagreementView, LabelSetView, LabelsImportReport } from '../api/types';
import { LabelSetEditor } from '../components/LabelSetEditor';
import { labelSetStore } from '../state/labelsets';
import { agreements } from '../state/reads';
import { constant, useStore, type Loaded } from '../state/store';
import { useCall } from '../state/useCall';
import { agreementBand, choices, distinctValues, formatValue, FLAG_REVIEW_SET, sameValue, type LabelValue } from '../lib/labels';
import { encodeRoute } from '../lib/url';
import { navigate } from '../state/router';
import { reportLost } from '../state/writes';


function coef(v: number | null): string {
  return v === null ? '–' : v.toFixed(3);
}

function kindName(k: string): string {
  return k === 'cohen_kappa' ? "Cohen's κ" : "Krippendorff's α";
}

function parseAnnotators(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x);
}

function Disagreement({ d, annotators, set, onAdjudicate }: { d: DisagreementView; annotators: string[]; set: LabelSetView; onAdjudicate: (v: LabelValue) => Promise<void> }) {
  const { run, busy } = useCall(onAdjudicate);
  const proposed = distinctValues(d.values);
  const others = set.kind === 'multi' ? [] : choices(set).filter((c) => !proposed.some((p) => sameValue(p, c.value)));
  return (
    <tr data-testid="disagreement-row" data-id={d.id} data-step={d.step ?? ''}>
      <td>
        <a className="mono" href={encodeRoute({ view: 'trajectory', id: d.id, q: '', sort: 'relevance', step: d.step })}>
          {d.id.slice(0, 14)}
        </a>
        {d.step !== null && <span className="muted small"> step #{d.step}</span>}
      </td>
      {annotators.map((a) => (
        <td key={a} className="dis-value">
          {a in d.values ? formatValue(d.values[a]) : <span className="muted">–</span>}
        </td>
      ))}
      <td data-testid="adjudicated" className={d.adjudicated !== null ? 'dis-adjudicated' : 'muted'}>
        {d.adjudicated !== null ? formatValue(d.adjudicated) : 'open'}
      </td>
      <td className="dis-actions">
        {proposed.map((v) => (
          <button
            type="button"
            key={JSON.stringify(v)}
            data-testid="adjudicate"
            data-value={formatValue(v)}
            disabled={busy || (d.adjudicated !== null && sameValue(d.adjudicated, v))}
            onClick={() => void run(v as LabelValue)}
            title="record this as the adjudicated value"
          >
            {formatValue(v)}
          </button>
        ))}
        {others.length > 0 && (
          <select
            data-testid="adjudicate-other"
            value=""
            disabled={busy}
            onChange={(e) => {
              const c = others.find((o) => String(o.value) === e.target.value);
              if (c) void run(c.value);
            }}
          >
            <option value="">other…</option>
            {others.map((o) => (
              <option key={String(o.value)} value={String(o.value)}>
                {String(o.value)}
              </option>
            ))}
          </select>
        )}
      </td>
    </tr>
  );
}

/** Every label event as a JSON Lines file, and merging such a file (another annotator's labels). */
function LabelsFile({ onImported }: { onImported: () => void }) {
  const [path, setPath] = useState('');
  const [who, setWho] = useState('');
  const file = useCall(async (what: 'export' | 'import'): Promise<{ wrote: string } | { report: LabelsImportReport }> => {
    if (what === 'export') {
      const r = await call('labels_export', { path: path.trim(), annotator: who.trim() || null });
      return { wrote: `wrote ${r.count} events to ${r.path ?? path}` };
    }
    const r = await call('labels_import', { path: path.trim() });
    onImported();
    return { report: r };
  });
  const run = async (what: 'export' | 'import') => {
    if (!path.trim()) return file.fail('give the path of the labels file');
    await file.run(what);
  };
  const done = file.result;
  const msg = file.error !== null ? { text: file.error, error: true } : done && 'wrote' in done ? { text: done.wrote, error: false } : null;
  const report = done && 'report' in done ? done.report : null;
  return (
    <section className="card" data-testid="labels-file">
      <h2>Labels file</h2>
      <p className="muted small">
        Every label event as JSON Lines: export yours (or everyone's) for another annotator, import theirs. Import only adds events,
        so importing twice changes nothing.
      </p>
      <div className="inline-form">
        <input type="text" data-testid="labels-path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/labels.jsonl" />
        <input type="text" className="narrow-name" data-testid="labels-annotator" value={who} onChange={(e) => setWho(e.target.value)} placeholder="only annotator… (export)" />
        <button type="button" data-testid="labels-export" onClick={() => void run('export')}>
          Export
        </button>
        <button type="button" data-testid="labels-import" onClick={() => void run('import')}>
          Import
        </button>
      </div>
      {msg && (
        <p className={`small${msg.error ? ' error' : ''}`} data-testid="labels-result">
          {msg.text}
        </p>
      )}
      {report && (
        <div className="small" data-testid="labels-result" data-imported={report.imported} data-duplicates={report.duplicates} data-errors={report.errors.length}>
          <p>
            {report.imported} events imported · {report.duplicates} already present · {report.errors.length} lines not imported
          </p>
          {report.errors.length > 0 && (
            <ul className="diagnostics">
              {report.errors.slice(0, 100).map((e) => (
                <li key={e.line} className="error" data-testid="labels-import-error">
                  line {e.line}: {e.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

const NO_SUMMARY: Record<string, AgreementResponse | string> = {};
const NO_AGREEMENT = constant<Loaded<Record<string, AgreementResponse | string>>>({ data: null, error: null });

export function ReviewView({ set }: { set: string }) {
  const setsLoaded = useStore(labelSetStore);
  const sets = useMemo(() => (setsLoaded.data ?? []).filter((x) => x.kind !== 'text' && x.name !== FLAG_REVIEW_SET), [setsLoaded.data]);
  const [annotatorsText, setAnnotatorsText] = useState('');
  const [annotators, setAnnotators] = useState<string[]>([]);
  const [ownErr, setErr] = useState<string | null>(null);
  const agreement = useStore(sets.length ? agreements.at({ sets: sets.map((s) => s.name), annotators }) : NO_AGREEMENT);
  const summary = agreement.data ?? NO_SUMMARY;
  const d = summary[set];
  const detail = typeof d === 'object' ? d : null;
  const err = ownErr ?? (typeof d === 'string' ? d : null) ?? (setsLoaded.error !== null ? errorText(setsLoaded.error) : null);

  /** Asks for the agreement again (after an adjudication or an import). */
  const load = async () => {
    setErr(null);
    await agreements.refresh();
  };

  const schema = sets.find((s) => s.name === set);
  const cols = detail?.annotators ?? [];

  return (
    <div className="review-view page-narrow" data-testid="review-view">
      <section className="card">
        <h2>Agreement</h2>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            setAnnotators(parseAnnotators(annotatorsText));
          }}
        >
          <label htmlFor="review-annotators" className="small">
            annotators
          </label>
          <input
            id="review-annotators"
            type="text"
            data-testid="review-annotators"
            value={annotatorsText}
            onChange={(e) => setAnnotatorsText(e.target.value)}
            placeholder="everyone with labels (or: alice, bob)"
          />
          <button type="submit">Compare</button>
        </form>
        <table className="grid-table" data-testid="agreement-table">
          <thead>
            <tr>
              <th>label set</th>
              <th>coefficient</th>
              <th className="num">value</th>
              <th className="num">α</th>
              <th className="num">shared items</th>
              <th className="num">disagreements</th>
              <th>annotators</th>
            </tr>
          </thead>
          <tbody>
            {sets.map((s) => {
              const a = summary[s.name];
              return (
                <tr
                  key={s.name}
                  className={`clickable${s.name === set ? ' selected' : ''}`}
                  data-testid="agreement-row"
                  data-set={s.name}
                  onClick={() => navigate({ view: 'review', set: s.name })}
                >
                  <td>
                    <a href={encodeRoute({ view: 'review', set: s.name })}>{s.name}</a>
                  </td>
                  {a === undefined ? (
                    <td colSpan={6} className="muted">
                      …
                    </td>
                  ) : typeof a === 'string' ? (
                    <td colSpan={6} className="error small">
                      {a}
                    </td>
                  ) : (
                    <>
                      <td>{kindName(a.kind)}</td>
                      <td className="num" data-testid="agreement-value" title={agreementBand(a.value)}>
                        {coef(a.value)} <span className="muted small">{a.value === null ? '' : agreementBand(a.value)}</span>
                      </td>
                      <td className="num">{coef(a.alpha)}</td>
                      <td className="num">{a.items}</td>
                      <td className="num">{a.disagreements.length}</td>
                      <td className="small">{a.annotators.join(', ') || '–'}</td>
                    </>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
        <p className="muted small">
          Items are trajectories (or steps) labelled by at least two annotators. κ is shown for two annotators, α otherwise (nominal for
          select sets, interval for ratings; a multi-select value counts as one category).
        </p>
      </section>

      <section className="card">
        <h2>
          Disagreements in {set} {detail && <span className="muted small">({detail.disagreements.length})</span>}
        </h2>
        {err && <p className="error">{err}</p>}
        {detail && detail.disagreements.length === 0 && (
          <p className="muted">
            {detail.items === 0 ? 'No item is labelled by two annotators yet.' : 'The annotators agree on every shared item.'}
          </p>
        )}
        {detail && schema && detail.disagreements.length > 0 && (
          <table className="grid-table" data-testid="disagreement-list">
            <thead>
              <tr>
                <th>trajectory</th>
                {cols.map((a) => (
                  <th key={a}>{a}</th>
                ))}
                <th>adjudicated</th>
                <th>record the adjudicated value</th>
              </tr>
            </thead>
            <tbody>
              {detail.disagreements.map((d) => (
                <Disagreement
                  key={`${d.id}:${d.step ?? ''}`}
                  d={d}
                  annotators={cols}
                  set={schema}
                  onAdjudicate={async (v) => {
                    try {
                      await call('adjudicate', { id: d.id, step: d.step, set, value: v });
                      await load();
                    } catch (e) {
                      setErr(errorText(e));
                      reportLost(`adjudicated ${set} = ${formatValue(v)} on ${d.id.slice(0, 8)}`, e, () =>
                        call('adjudicate', { id: d.id, step: d.step, set, value: v }).then(load),
                      );
                    }
                  }}
                />
              ))}
            </tbody>
          </table>
        )}
      </section>

      <LabelSetEditor />

      <LabelsFile onImported={() => void load()} />
    </div>
  );
}
