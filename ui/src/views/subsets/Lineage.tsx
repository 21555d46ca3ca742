// A subset version's lineage: the funnel from the whole database to the final set, one bar per
// node and per stage (what each rule removed and why).

import type { SubsetLineageResponse } from '../../api/types';
import { fmtInt } from '../../lib/format';
import { funnelRows, funnelTotals } from '../../lib/funnel';

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
