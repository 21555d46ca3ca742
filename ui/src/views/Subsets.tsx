// Subsets: every subset and its frozen versions; a form that saves a new version (parent, rule,
// includes and excludes, dedup, cap per instance, contamination); a version with its members, its
// lineage funnel drawn from the whole database to the final set (what each rule removed and why),
// and an export form.
//
// data-testids: subsets-view, subset-list, subset-version-link (data-name, data-version),
// subset-new, subset-form, subset-name, subset-parent, subset-rule, subset-rule-error,
// subset-includes, subset-excludes, subset-dedup, subset-threshold, subset-cap, subset-cap-k,
// subset-cap-order, subset-contamination (data-name), subset-save, subset-form-error,
// subset-version (data-name, data-version, data-count), lineage-view, lineage-node (data-count),
// lineage-stage (data-label, data-removed, data-added, data-count), subset-members, subset-member,
// export-form, export-format, export-out, export-splits, export-seed, export-run, export-result,
// dedup-report, dedup-mode, dedup-run, dedup-summary, dedup-cluster, contamination-add,
// contamination-name, contamination-text, contamination-save.

import { useCallback, useEffect, useState } from 'react';
import { ApiError, call } from '../api/client';
import { errorText } from '../api/errors';
import type { Compression, ContaminationListView, DedupMode, DedupReportResponse, ExportFormat, ExportResponse, GroupBy, ListKind, SubsetLineageResponse, SubsetShowResponse, SubsetSummaryView, SubsetVersionView } from '../api/types';
import { fmtBytes, fmtInt } from '../lib/format';
import { funnelRows, funnelTotals } from '../lib/funnel';
import { CAP_ORDERS, DEDUP_MODES, EMPTY_FORM, buildRequest, caretLine, refText, type SubsetForm } from '../lib/subsets';
import { encodeRoute } from '../lib/url';
import { navigate } from '../state/router';
import { reportLost } from '../state/writes';


function shapingText(v: SubsetVersionView): string {
  const s = v.shaping;
  const parts: string[] = [];
  if (s.dedup) parts.push(`dedup ${s.dedup.mode}${s.dedup.threshold !== null ? ` ≥ ${s.dedup.threshold}` : ''}`);
  if (s.cap) parts.push(`cap ${s.cap.k} per instance${s.cap.order.length ? ` by ${s.cap.order.join(', ')}` : ''}`);
  if (s.contamination.length) parts.push(`minus ${s.contamination.join(', ')}`);
  return parts.join(' · ') || 'none';
}

/** The funnel from the whole database to a version: one bar per node and per stage. */
export function LineageView({ lineage }: { lineage: SubsetLineageResponse }) {
  const rows = funnelRows(lineage);
  const t = funnelTotals(lineage);
  return (
    <div className="lineage" data-testid="lineage-view">
      <p className="muted small">
        {fmtInt(t.pool)} → {fmtInt(t.final)} trajectories ({fmtInt(t.removed)} removed
        {t.added > 0 ? `, ${fmtInt(t.added)} added` : ''} over {lineage.stages.length} stages)
      </p>
      <ol className="funnel">
        {rows.map((r, i) =>
          r.kind === 'node' ? (
            <li key={i} className="funnel-node" data-testid="lineage-node" data-count={r.count} data-node={r.node}>
              <div className="funnel-label">
                <b>{r.title}</b>
                {r.rule && <code className="funnel-rule">{r.rule}</code>}
              </div>
              <div className="funnel-bar-wrap">
                <div className="funnel-bar node" style={{ width: `${Math.max(0.5, r.frac * 100)}%` }} />
              </div>
              <span className="funnel-count">{fmtInt(r.count)}</span>
            </li>
          ) : (
            <li
              key={i}
              className={`funnel-stage${r.removed > 0 ? ' removes' : ''}${r.inconsistent ? ' inconsistent' : ''}`}
              data-testid="lineage-stage"
              data-label={r.label}
              data-removed={r.removed}
              data-added={r.added}
              data-count={r.count}
            >
              <div className="funnel-label">
                <span className={r.removed > 0 ? 'funnel-delta bad' : r.added > 0 ? 'funnel-delta ok' : 'funnel-delta muted'}>{r.delta}</span>
                {r.inconsistent && <span className="error small"> (counts do not add up: {fmtInt(r.before)} before)</span>}
              </div>
              <div className="funnel-bar-wrap">
                <div className="funnel-bar" style={{ width: `${Math.max(0.5, r.frac * 100)}%` }} />
                {r.removed > 0 && (
                  <div className="funnel-bar cut" style={{ width: `${(r.removed / Math.max(1, t.pool, r.before)) * 100}%` }} title={`${fmtInt(r.removed)} removed`} />
                )}
              </div>
              <span className="funnel-count">{fmtInt(r.count)}</span>
            </li>
          ),
        )}
      </ol>
    </div>
  );
}

function VersionDetail({ name, version, onNewVersion }: { name: string; version: number | null; onNewVersion: (v: SubsetVersionView) => void }) {
  const [show, setShow] = useState<SubsetShowResponse | null>(null);
  const [lineage, setLineage] = useState<SubsetLineageResponse | null>(null);
  const [offset, setOffset] = useState(0);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    setErr(null);
    call('subset_show', { name, version, offset, limit: 50 })
      .then(setShow)
      .catch((e) => setErr(errorText(e)));
  }, [name, version, offset]);
  useEffect(() => {
    setLineage(null);
    setOffset(0);
    call('subset_lineage', { name, version })
      .then(setLineage)
      .catch((e) => setErr(errorText(e)));
  }, [name, version]);
  if (err) return <p className="error">{err}</p>;
  if (!show) return <p className="muted">loading {refText(name, version)}…</p>;
  const v = show.version;
  return (
    <div data-testid="subset-version" data-name={v.name} data-version={v.version} data-count={v.count}>
      <section className="card">
        <h2>
          {v.name}@{v.version} <span className="muted small">{fmtInt(v.count)} trajectories</span>
          <button type="button" className="small header-button" onClick={() => onNewVersion(v)} data-testid="subset-new-version">
            New version from this…
          </button>
        </h2>
        <dl className="meta-grid">
          <div className="meta-item">
            <dt>parent</dt>
            <dd>{v.parent ? refText(v.parent.subset, v.parent.version) : 'whole database'}</dd>
          </div>
          <div className="meta-item">
            <dt>pool</dt>
            <dd>{fmtInt(v.pool)}</dd>
          </div>
          <div className="meta-item">
            <dt>rule</dt>
            <dd className="mono">{v.rule || '(all of the parent)'}</dd>
          </div>
          <div className="meta-item">
            <dt>shaping</dt>
            <dd>{shapingText(v)}</dd>
          </div>
          {(v.includes.length > 0 || v.excludes.length > 0) && (
            <div className="meta-item">
              <dt>by hand</dt>
              <dd>
                +{v.includes.length} / −{v.excludes.length}
              </dd>
            </div>
          )}
          <div className="meta-item">
            <dt>saved</dt>
            <dd>{v.created}</dd>
          </div>
        </dl>
      </section>
      <section className="card">
        <h2>Lineage</h2>
        {lineage ? <LineageView lineage={lineage} /> : <p className="muted small">loading the lineage…</p>}
      </section>
      <section className="card">
        <h2>
          Members <span className="muted small">({fmtInt(show.total)})</span>
        </h2>
        <table className="grid-table" data-testid="subset-members">
          <thead>
            <tr>
              <th>id</th>
              <th>instance</th>
              <th>repo</th>
              <th className="num">steps</th>
              <th>resolved</th>
              <th>flags</th>
            </tr>
          </thead>
          <tbody>
            {show.members.map((m) => (
              <tr key={m.id} data-testid="subset-member">
                <td>
                  <a className="mono" href={encodeRoute({ view: 'trajectory', id: m.id, q: '', sort: 'relevance', step: null })}>
                    {m.id.slice(0, 14)}
                  </a>
                </td>
                <td>{m.instance_id ?? '–'}</td>
                <td>{m.repo ?? '–'}</td>
                <td className="num">{m.steps}</td>
                <td className={`res-${String(m.resolved)}`}>{m.resolved === null ? '?' : m.resolved ? 'yes' : 'no'}</td>
                <td>
                  {m.flags.map((f) => (
                    <span key={f} className={`chip flag-${f}`}>
                      {f}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="inline-form">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 50))}>
            ← previous
          </button>
          <span className="muted small">
            {fmtInt(show.total === 0 ? 0 : offset + 1)}–{fmtInt(Math.min(show.total, offset + 50))} of {fmtInt(show.total)}
          </span>
          <button type="button" disabled={offset + 50 >= show.total} onClick={() => setOffset(offset + 50)}>
            next →
          </button>
        </div>
      </section>
      <DedupCard name={v.name} version={v.version} />
      <ExportForm name={v.name} version={v.version} />
    </div>
  );
}

function ExportForm({ name, version }: { name: string; version: number }) {
  const [format, setFormat] = useState('jsonl-original');
  const [out, setOut] = useState('');
  const [splits, setSplits] = useState(false);
  const [ratios, setRatios] = useState('0.8, 0.1, 0.1');
  const [groupBy, setGroupBy] = useState('repo');
  const [seed, setSeed] = useState('0');
  const [redact, setRedact] = useState(false);
  const [compression, setCompression] = useState('snappy');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [res, setRes] = useState<ExportResponse | null>(null);
  const run = async () => {
    setErr(null);
    setRes(null);
    if (!out.trim()) return setErr('choose an output directory');
    if (!/^\d+$/.test(seed.trim())) return setErr('the seed is a whole number ≥ 0');
    let split = null;
    if (splits) {
      const r = ratios.split(/[\s,]+/).filter((x) => x).map(Number);
      if (r.length !== 3 || r.some((x) => !Number.isFinite(x) || x < 0) || Math.abs(r[0] + r[1] + r[2] - 1) > 1e-6)
        return setErr('splits: three ratios (train, validation, test) that add up to 1');
      split = { train: r[0], validation: r[1], test: r[2] };
    }
    setBusy(true);
    try {
      setRes(await call('export', { subset: name, version, format: format as ExportFormat, out_dir: out.trim(), splits: split, group_by: splits ? (groupBy as GroupBy) : null, seed: Number(seed), redact, compression: format === 'parquet' ? (compression as Compression) : null }));
    } catch (e) {
      setErr(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card">
      <h2>Export {refText(name, version)}</h2>
      <form
        className="form-grid"
        data-testid="export-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label htmlFor="export-format">format</label>
        <select id="export-format" data-testid="export-format" value={format} onChange={(e) => setFormat(e.target.value)}>
          <option value="jsonl-original">jsonl-original (the records' original bytes)</option>
          <option value="sft-chat">sft-chat (messages for fine-tuning)</option>
          <option value="parquet">parquet</option>
        </select>
        {format === 'parquet' && (
          <>
            <label htmlFor="export-compression">compression</label>
            <select id="export-compression" data-testid="export-compression" value={compression} onChange={(e) => setCompression(e.target.value)}>
              <option value="snappy">snappy (pyarrow's default)</option>
              <option value="zstd">zstd (smaller files)</option>
              <option value="none">none</option>
            </select>
          </>
        )}
        <label htmlFor="export-out">output directory</label>
        <input id="export-out" type="text" data-testid="export-out" value={out} onChange={(e) => setOut(e.target.value)} placeholder="/path/to/export" />
        <label htmlFor="export-splits">splits</label>
        <span className="inline-form tight">
          <input id="export-splits" type="checkbox" data-testid="export-splits" checked={splits} onChange={(e) => setSplits(e.target.checked)} />
          <input type="text" value={ratios} disabled={!splits} onChange={(e) => setRatios(e.target.value)} aria-label="train, validation, test ratios" />
          <select value={groupBy} disabled={!splits} onChange={(e) => setGroupBy(e.target.value)} aria-label="group by">
            <option value="repo">grouped by repo</option>
            <option value="instance">grouped by instance</option>
          </select>
        </span>
        <label htmlFor="export-seed">seed</label>
        <input id="export-seed" type="text" inputMode="numeric" data-testid="export-seed" value={seed} onChange={(e) => setSeed(e.target.value)} />
        <label htmlFor="export-redact">redact secrets</label>
        <input id="export-redact" type="checkbox" checked={redact} onChange={(e) => setRedact(e.target.checked)} />
        <span />
        <span>
          <button type="submit" data-testid="export-run" disabled={busy}>
            {busy ? 'exporting…' : 'Export'}
          </button>
        </span>
      </form>
      {err && <p className="error small">{err}</p>}
      {res && (
        <div data-testid="export-result" className="small">
          <p>
            {fmtInt(res.records)} records, {fmtBytes(res.bytes)} in {res.elapsed_s.toFixed(1)} s ({res.mb_per_s.toFixed(1)} MB/s) · manifest{' '}
            <span className="path">{res.manifest_path}</span>
          </p>
          <table className="grid-table">
            <tbody>
              {res.outputs.map((o) => (
                <tr key={o.file}>
                  <td className="path">{o.file}</td>
                  <td>{o.split}</td>
                  <td className="num">{fmtInt(o.records)} records</td>
                  <td className="num">{fmtBytes(o.bytes)}</td>
                  <td className="mono muted">{o.sha256.slice(0, 16)}…</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function DedupCard({ name, version }: { name: string; version: number }) {
  const [mode, setMode] = useState('near_patch');
  const [threshold, setThreshold] = useState('0.8');
  const [res, setRes] = useState<DedupReportResponse | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setErr(null);
    const t = Number(threshold);
    if (mode === 'near_patch' && (!Number.isFinite(t) || t <= 0 || t > 1)) return setErr('the threshold is a number in (0, 1]');
    setBusy(true);
    try {
      setRes(await call('dedup_report', { query: null, subset: { subset: name, version }, mode: mode as DedupMode, threshold: mode === 'near_patch' ? t : null, limit: 20 }));
    } catch (e) {
      setErr(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" data-testid="dedup-report">
      <h2>Duplicates in {refText(name, version)}</h2>
      <div className="inline-form">
        <select data-testid="dedup-mode" value={mode} onChange={(e) => setMode(e.target.value)} aria-label="dedup mode">
          <option value="near_patch">near-duplicate patches (MinHash)</option>
          <option value="exact_patch">same normalized patch</option>
          <option value="exact_text">same trajectory text</option>
        </select>
        {mode === 'near_patch' && (
          <>
            <span className="small">similarity ≥</span>
            <input type="text" className="narrow" value={threshold} onChange={(e) => setThreshold(e.target.value)} aria-label="threshold" />
          </>
        )}
        <button type="button" data-testid="dedup-run" disabled={busy} onClick={() => void run()}>
          {busy ? 'looking…' : 'Find duplicates'}
        </button>
      </div>
      {err && <p className="error small">{err}</p>}
      {res && (
        <>
          <p className="small" data-testid="dedup-summary" data-clusters={res.clusters_total} data-removable={res.removable}>
            {fmtInt(res.scanned)} scanned · {fmtInt(res.clusters_total)} clusters · keeping one per cluster removes {fmtInt(res.removable)} ·{' '}
            {res.took_ms.toFixed(0)} ms
          </p>
          {res.clusters.length > 0 && (
            <table className="grid-table">
              <thead>
                <tr>
                  <th className="num">size</th>
                  <th className="num">min. similarity</th>
                  <th>members (the first is kept)</th>
                </tr>
              </thead>
              <tbody>
                {res.clusters.map((c, i) => (
                  <tr key={i} data-testid="dedup-cluster">
                    <td className="num">{c.size}</td>
                    <td className="num">{c.min_similarity.toFixed(2)}</td>
                    <td className="small">
                      {c.members.map((m, j) => (
                        <span key={m}>
                          {j > 0 && ' · '}
                          <a className="mono" href={encodeRoute({ view: 'trajectory', id: m, q: '', sort: 'relevance', step: null })}>
                            {m.slice(0, 12)}
                          </a>
                          {c.instances[j] && <span className="muted"> {c.instances[j]}</span>}
                        </span>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

function AddContamination({ onAdded }: { onAdded: (name: string) => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState('');
  const [text, setText] = useState('');
  const [msg, setMsg] = useState<{ text: string; error: boolean } | null>(null);
  const save = async () => {
    setMsg(null);
    if (!name.trim() || !text.trim()) return setMsg({ text: 'a list needs a name and entries', error: true });
    try {
      const l = await call('contamination_add', { name: name.trim(), kind: (kind || null) as ListKind | null, text, source: 'pasted in the app' });
      setMsg({ text: `added ${l.name}: ${fmtInt(l.entries)} ${l.kind}`, error: false });
      setName('');
      setText('');
      onAdded(l.name);
    } catch (e) {
      setMsg({ text: errorText(e), error: true });
    }
  };
  return (
    <details className="contamination-add" data-testid="contamination-add">
      <summary className="small">add a list…</summary>
      <div className="inline-form">
        <input type="text" data-testid="contamination-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="name, e.g. my-benchmark.instances" />
        <select value={kind} onChange={(e) => setKind(e.target.value)} aria-label="kind">
          <option value="">kind: detect</option>
          <option value="instances">instances</option>
          <option value="repos">repos</option>
        </select>
        <button type="button" data-testid="contamination-save" onClick={() => void save()}>
          Add list
        </button>
      </div>
      <textarea rows={3} data-testid="contamination-text" value={text} onChange={(e) => setText(e.target.value)} placeholder="one instance id or owner/repo per line; # comments" />
      {msg && <p className={`small${msg.error ? ' error' : ' muted'}`}>{msg.text}</p>}
    </details>
  );
}

function CreateForm({ subsets, initial, onSaved }: { subsets: SubsetSummaryView[]; initial: SubsetForm; onSaved: (v: SubsetVersionView) => void }) {
  const [f, setF] = useState<SubsetForm>(initial);
  const [lists, setLists] = useState<ContaminationListView[]>([]);
  const [err, setErr] = useState<string | null>(null);
  const [ruleErr, setRuleErr] = useState<{ message: string; column: number } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setF(initial), [initial]);
  const loadLists = useCallback(() => {
    call('contamination_lists', {})
      .then((r) => setLists(r.lists))
      .catch(() => setLists([]));
  }, []);
  useEffect(loadLists, [loadLists]);
  const up = (p: Partial<SubsetForm>) => setF((x) => ({ ...x, ...p }));
  const save = async () => {
    setErr(null);
    setRuleErr(null);
    const b = buildRequest(f);
    if ('error' in b) return setErr(b.error);
    setBusy(true);
    try {
      onSaved(await call('subset_create', b.req));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'bad_query' && e.column !== null) setRuleErr({ message: e.message, column: e.column });
      else {
        setErr(errorText(e));
        // the form keeps what was typed; the banner says the version does not exist
        if (!(e instanceof ApiError) || e.code === 'internal' || e.code === 'unauthorized' || e.code === 'io')
          reportLost(`subset version ${b.req.name}`, e, () => call('subset_create', b.req).then(onSaved));
      }
    } finally {
      setBusy(false);
    }
  };
  const parents = subsets.flatMap((s) => s.versions.map((v) => `${s.name}@${v.version}`));
  return (
    <section className="card">
      <h2>New subset version</h2>
      <form
        className="form-grid"
        data-testid="subset-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label htmlFor="subset-name">name</label>
        <input id="subset-name" type="text" data-testid="subset-name" value={f.name} onChange={(e) => up({ name: e.target.value })} placeholder="e.g. clean-django (a new version if it exists)" />
        <label htmlFor="subset-parent">parent</label>
        <select id="subset-parent" data-testid="subset-parent" value={f.parent} onChange={(e) => up({ parent: e.target.value })}>
          <option value="">whole database</option>
          {parents.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <label htmlFor="subset-rule">rule</label>
        <div>
          <input
            id="subset-rule"
            type="text"
            className={`search-input wide${ruleErr ? ' has-error' : ''}`}
            data-testid="subset-rule"
            value={f.rule}
            onChange={(e) => {
              up({ rule: e.target.value });
              setRuleErr(null);
            }}
            placeholder='a query, e.g. -flag:empty_patch resolved:true repo:django/*  (empty = all of the parent)'
          />
          {ruleErr && (
            <div className="query-error" data-testid="subset-rule-error" data-column={ruleErr.column}>
              <pre className="query-error-caret">
                {f.rule}
                {'\n'}
                {caretLine(f.rule, ruleErr.column)}
              </pre>
              <span className="query-error-message">{ruleErr.message}</span>
            </div>
          )}
          <p className="muted small">Each top-level AND clause becomes a funnel stage, with what it removed.</p>
        </div>
        <label htmlFor="subset-includes">include ids</label>
        <textarea id="subset-includes" rows={2} data-testid="subset-includes" value={f.includes} onChange={(e) => up({ includes: e.target.value })} placeholder="trajectory ids added by hand (space or comma separated)" />
        <label htmlFor="subset-excludes">exclude ids</label>
        <textarea id="subset-excludes" rows={2} data-testid="subset-excludes" value={f.excludes} onChange={(e) => up({ excludes: e.target.value })} placeholder="trajectory ids removed by hand" />
        <label htmlFor="subset-dedup">dedup</label>
        <span className="inline-form tight">
          <select id="subset-dedup" data-testid="subset-dedup" value={f.dedup} onChange={(e) => up({ dedup: e.target.value as SubsetForm['dedup'] })}>
            {DEDUP_MODES.map((m) => (
              <option key={m} value={m}>
                {m === 'none' ? 'no dedup' : m}
              </option>
            ))}
          </select>
          {f.dedup === 'near_patch' && (
            <>
              <span className="small">similarity ≥</span>
              <input type="text" className="narrow" data-testid="subset-threshold" value={f.threshold} onChange={(e) => up({ threshold: e.target.value })} />
            </>
          )}
        </span>
        <label htmlFor="subset-cap">cap per instance</label>
        <span className="inline-form tight">
          <input id="subset-cap" type="checkbox" data-testid="subset-cap" checked={f.cap} onChange={(e) => up({ cap: e.target.checked })} />
          <input type="text" className="narrow" data-testid="subset-cap-k" value={f.capK} disabled={!f.cap} onChange={(e) => up({ capK: e.target.value })} aria-label="at most K per instance" />
          <span className="small">keeping first by</span>
          <input type="text" data-testid="subset-cap-order" value={f.capOrder} disabled={!f.cap} onChange={(e) => up({ capOrder: e.target.value })} aria-label="order" title={CAP_ORDERS.join(', ')} />
        </span>
        <label>contamination</label>
        <span className="checks">
          {lists.length === 0 && <span className="muted small">no lists</span>}
          {lists.map((l) => (
            <label key={l.name} className="small" title={l.source}>
              <input
                type="checkbox"
                data-testid="subset-contamination"
                data-name={l.name}
                checked={f.contamination.includes(l.name)}
                onChange={(e) => up({ contamination: e.target.checked ? [...f.contamination, l.name] : f.contamination.filter((x) => x !== l.name) })}
              />{' '}
              {l.name} <span className="muted">({fmtInt(l.entries)} {l.kind})</span>
            </label>
          ))}
          <AddContamination
            onAdded={(n) => {
              loadLists();
              setF((x) => ({ ...x, contamination: x.contamination.includes(n) ? x.contamination : [...x.contamination, n] }));
            }}
          />
        </span>
        <span />
        <span>
          <button type="submit" data-testid="subset-save" disabled={busy}>
            {busy ? 'evaluating…' : 'Save version'}
          </button>
        </span>
      </form>
      {err && (
        <p className="error" data-testid="subset-form-error">
          {err}
        </p>
      )}
    </section>
  );
}

export function SubsetsView({ name, version }: { name: string | null; version: number | null }) {
  const [subsets, setSubsets] = useState<SubsetSummaryView[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [form, setForm] = useState<SubsetForm | null>(null);
  const load = useCallback(() => {
    call('subsets', {})
      .then((r) => setSubsets(r.subsets))
      .catch((e) => setErr(errorText(e)));
  }, []);
  useEffect(load, [load]);
  const creating = form !== null || name === null;
  return (
    <div className="subsets-view" data-testid="subsets-view">
      <aside className="subset-list" data-testid="subset-list">
        <button type="button" data-testid="subset-new" onClick={() => (setForm({ ...EMPTY_FORM }), navigate({ view: 'subsets', name: null, version: null }))}>
          + New subset
        </button>
        {err && <p className="error small">{err}</p>}
        {subsets?.length === 0 && <p className="muted small">No subsets yet.</p>}
        <ul>
          {subsets?.map((s) => (
            <li key={s.name}>
              <b>{s.name}</b>
              <ul>
                {s.versions.map((v) => {
                  const on = s.name === name && (version === v.version || (version === null && v === s.versions[s.versions.length - 1]));
                  return (
                    <li key={v.version}>
                      <a
                        href={encodeRoute({ view: 'subsets', name: s.name, version: v.version })}
                        className={on && !form ? 'on' : ''}
                        data-testid="subset-version-link"
                        data-name={s.name}
                        data-version={v.version}
                        onClick={() => setForm(null)}
                      >
                        v{v.version} <span className="muted small">{fmtInt(v.count)}</span>
                      </a>
                    </li>
                  );
                })}
              </ul>
            </li>
          ))}
        </ul>
      </aside>
      <main className="subset-main">
        {creating ? (
          <CreateForm
            subsets={subsets ?? []}
            initial={form ?? EMPTY_FORM}
            onSaved={(v) => {
              setForm(null);
              load();
              navigate({ view: 'subsets', name: v.name, version: v.version });
            }}
          />
        ) : (
          <VersionDetail
            key={`${name}@${version}`}
            name={name!}
            version={version}
            onNewVersion={(v) =>
              setForm({
                ...EMPTY_FORM,
                name: v.name,
                parent: v.parent ? refText(v.parent.subset, v.parent.version) : '',
                rule: v.rule,
                includes: v.includes.join(' '),
                excludes: v.excludes.join(' '),
                dedup: (v.shaping.dedup?.mode as SubsetForm['dedup']) ?? 'none',
                threshold: String(v.shaping.dedup?.threshold ?? 0.8),
                cap: v.shaping.cap !== null,
                capK: String(v.shaping.cap?.k ?? 2),
                capOrder: v.shaping.cap?.order.join(', ') ?? EMPTY_FORM.capOrder,
                contamination: v.shaping.contamination,
              })
            }
          />
        )}
      </main>
    </div>
  );
}
