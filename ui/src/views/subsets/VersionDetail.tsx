// One subset version: its definition, lineage funnel, members (a page at a time), duplicates and
// export. Read from the subsets stores (state/subsets.ts).

import { useState } from 'react';
import { errorText } from '../../api/errors';
import type { SubsetVersionView } from '../../api/types';
import { fmtInt } from '../../lib/format';
import { refText } from '../../lib/subsets';
import { encodeRoute } from '../../lib/url';
import { useStore } from '../../state/store';
import { subsetLineage, subsetShow } from '../../state/subsets';
import { DedupCard } from './DedupCard';
import { ExportForm } from './ExportForm';
import { LineageView } from './Lineage';

function shapingText(v: SubsetVersionView): string {
  const s = v.shaping;
  const parts: string[] = [];
  if (s.dedup) parts.push(`dedup ${s.dedup.mode}${s.dedup.threshold !== null ? ` ≥ ${s.dedup.threshold}` : ''}`);
  if (s.cap) parts.push(`cap ${s.cap.k} per instance${s.cap.order.length ? ` by ${s.cap.order.join(', ')}` : ''}`);
  if (s.contamination.length) parts.push(`minus ${s.contamination.join(', ')}`);
  return parts.join(' · ') || 'none';
}

export function VersionDetail({ name, version, onNewVersion }: { name: string; version: number | null; onNewVersion: (v: SubsetVersionView) => void }) {
  const [offset, setOffset] = useState(0);
  const page = useStore(subsetShow.at({ name, version, offset, limit: 50 }));
  const funnel = useStore(subsetLineage.at({ name, version }));
  const show = page.data;
  const lineage = funnel.data;
  const failed = page.error !== null ? page.error : funnel.error;
  const err = failed !== null ? errorText(failed) : null;
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
