// Compare: two trajectories of one instance side by side, steps aligned, and how b's patch
// differs from a's.

import type { StepSummary } from '../api/types';
import { DiffList, type DiffMode } from '../components/Diff';
import { encodeRoute } from '../lib/url';
import { useViewKeys } from '../state/keyhub';
import { ExitBadge, MetaHeader } from './trajectory/Meta';
import { errorText } from '../api/errors';
import { comparison } from '../state/reads';
import { useStore } from '../state/store';

function Cell({ s, id, q }: { s: StepSummary | null; id: string; q: string }) {
  if (!s) return <div className="cmp-cell empty" />;
  return (
    <a
      className={`cmp-cell role-${s.role}`}
      href={encodeRoute({ view: 'trajectory', id, q, sort: 'relevance', step: s.index })}
      data-testid="compare-step"
    >
      <span className="step-no">#{s.index}</span>
      <span className={`role role-${s.role}`}>{s.role}</span>
      {s.tool && <span className="tool-name">{s.tool}</span>}
      <ExitBadge code={s.exit_code} />
      <span className="cmp-summary">{s.summary}</span>
    </a>
  );
}

export function CompareView({ a, b, q, mode, toggleMode }: { a: string; b: string; q: string; mode: DiffMode; toggleMode: () => void }) {
  const { data, error } = useStore(comparison.at({ a, b }));

  useViewKeys((act) => {
    if (act === 'toggleDiff') {
      toggleMode();
      return true;
    }
    return false;
  });

  if (error !== null) return <p className="error page">{errorText(error)}</p>;
  if (!data) return <p className="muted page">comparing…</p>;
  return (
    <div className="compare-view" data-testid="compare-view">
      <div className="traj-toolbar">
        <a href={encodeRoute({ view: 'trajectory', id: a, q, sort: 'relevance', step: null })}>← {a.slice(0, 12)}</a>
        <a href={encodeRoute({ view: 'compare', a: b, b: a, q })}>swap sides</a>
        <button type="button" data-testid="diff-mode" onClick={toggleMode}>
          {mode === 'unified' ? 'side-by-side' : 'unified'} diffs
        </button>
      </div>
      <div className="cmp-metas">
        <div className="cmp-side">
          <div className="cmp-label">A</div>
          <MetaHeader meta={data.a} />
        </div>
        <div className="cmp-side">
          <div className="cmp-label">B</div>
          <MetaHeader meta={data.b} />
        </div>
      </div>
      <section className="patch">
        <h2>Patch differences (how B's change differs from A's)</h2>
        <DiffList diffs={data.patch_diff} mode={mode} re={null} empty="The two patches are the same." />
      </section>
      <section>
        <h2>
          Steps ({data.a_steps.length} vs {data.b_steps.length}, aligned)
        </h2>
        <div className="cmp-grid" data-testid="compare-alignment">
          {data.alignment.map((p, i) => (
            <div className={`cmp-row${p.a === null || p.b === null ? ' unpaired' : ''}`} key={i} data-testid="compare-row">
              <Cell s={p.a === null ? null : (data.a_steps[p.a] ?? null)} id={data.a.id} q={q} />
              <Cell s={p.b === null ? null : (data.b_steps[p.b] ?? null)} id={data.b.id} q={q} />
            </div>
          ))}
        </div>
      </section>
    </div>
  );
}
