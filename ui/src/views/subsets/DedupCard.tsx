// The duplicates of a subset version (`dedup_report`): mode, threshold, the clusters found.

import { useState } from 'react';
import { call } from '../../api/client';
import { VOCABULARY } from '../../api/gen/vocabularyValues';
import type { DedupMode, Methods } from '../../api/types';
import { fmtInt } from '../../lib/format';
import { refText } from '../../lib/subsets';
import { encodeRoute } from '../../lib/url';
import { useCall } from '../../state/useCall';

/** How the report names each dedup mode; the modes themselves are the API's. */
const DEDUP_LABEL: Record<Exclude<DedupMode, 'none'>, string> = {
  near_patch: 'near-duplicate patches (MinHash)',
  exact_patch: 'same normalized patch',
  exact_text: 'same trajectory text',
};

export function DedupCard({ name, version }: { name: string; version: number }) {
  const [mode, setMode] = useState<DedupMode>('near_patch');
  const [threshold, setThreshold] = useState('0.8');
  const report = useCall((req: Methods['dedup_report'][0]) => call('dedup_report', req), { keepResult: true });
  const { busy, error: err, result: res } = report;
  const run = async () => {
    const t = Number(threshold);
    if (mode === 'near_patch' && (!Number.isFinite(t) || t <= 0 || t > 1)) return report.fail('the threshold is a number in (0, 1]');
    await report.run({ query: null, subset: { subset: name, version }, mode, threshold: mode === 'near_patch' ? t : null, limit: 20 });
  };
  return (
    <section className="card" data-testid="dedup-report">
      <h2>Duplicates in {refText(name, version)}</h2>
      <div className="inline-form">
        <select data-testid="dedup-mode" value={mode} onChange={(e) => setMode(e.target.value as DedupMode)} aria-label="dedup mode">
          {VOCABULARY.dedup_modes.flatMap((m) =>
            m === 'none' ? [] : [
              <option key={m} value={m}>
                {DEDUP_LABEL[m]}
              </option>,
            ],
          )}
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
