// The form that saves a new subset version (parent, rule, includes and excludes, dedup, cap per
// instance, contamination lists), and the small form that adds a contamination list.

import { useEffect, useState } from 'react';
import { ApiError, call } from '../../api/client';
import type { ListKind, Methods, SubsetSummaryView, SubsetVersionView } from '../../api/types';
import { fmtInt } from '../../lib/format';
import { CAP_ORDERS, DEDUP_MODES, buildRequest, caretLine, type SubsetForm } from '../../lib/subsets';
import { useStore } from '../../state/store';
import { contaminationLists } from '../../state/subsets';
import { useCall } from '../../state/useCall';
import { reportLost } from '../../state/writes';

function AddContamination({ onAdded }: { onAdded: (name: string) => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ListKind | ''>('');
  const [text, setText] = useState('');
  const add = useCall((req: Methods['contamination_add'][0]) => call('contamination_add', req));
  const save = async () => {
    if (!name.trim() || !text.trim()) return add.fail('a list needs a name and entries');
    const l = await add.run({ name: name.trim(), kind: kind || null, text, source: 'pasted in the app' });
    if (!l) return;
    setName('');
    setText('');
    onAdded(l.name);
  };
  const msg = add.error !== null ? { text: add.error, error: true } : add.result ? { text: `added ${add.result.name}: ${fmtInt(add.result.entries)} ${add.result.kind}`, error: false } : null;
  return (
    <details className="contamination-add" data-testid="contamination-add">
      <summary className="small">add a list…</summary>
      <div className="inline-form">
        <input type="text" data-testid="contamination-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="name, e.g. my-benchmark.instances" />
        <select value={kind} onChange={(e) => setKind(e.target.value as ListKind | '')} aria-label="kind">
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

export function CreateForm({ subsets, initial, onSaved }: { subsets: SubsetSummaryView[]; initial: SubsetForm; onSaved: (v: SubsetVersionView) => void }) {
  const [f, setF] = useState<SubsetForm>(initial);
  const [ruleErr, setRuleErr] = useState<{ message: string; column: number } | null>(null);
  useEffect(() => setF(initial), [initial]);
  const known = useStore(contaminationLists.at({}));
  const lists = known.error !== null ? [] : (known.data?.lists ?? []);
  const up = (p: Partial<SubsetForm>) => setF((x) => ({ ...x, ...p }));
  // A rule with a syntax error is shown under the rule (caret at its column), not as the form's error.
  const create = useCall(async (req: Methods['subset_create'][0]): Promise<SubsetVersionView | null> => {
    try {
      return await call('subset_create', req);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'bad_query' && e.column !== null) {
        setRuleErr({ message: e.message, column: e.column });
        return null;
      }
      // the form keeps what was typed; the banner says the version does not exist
      if (!(e instanceof ApiError) || e.code === 'internal' || e.code === 'unauthorized' || e.code === 'io')
        reportLost(`subset version ${req.name}`, e, () => call('subset_create', req).then(onSaved));
      throw e;
    }
  });
  const { busy, error: err } = create;
  const save = async () => {
    setRuleErr(null);
    const b = buildRequest(f);
    if ('error' in b) return create.fail(b.error);
    const v = await create.run(b.req);
    if (v) onSaved(v);
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
              contaminationLists.refresh();
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
