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
//
// The parts: subsets/CreateForm.tsx (the form, contamination lists), subsets/VersionDetail.tsx (a
// version: lineage, members, subsets/DedupCard.tsx, subsets/ExportForm.tsx), subsets/Lineage.tsx.

import { useState } from 'react';
import { errorText } from '../api/errors';
import { fmtInt } from '../lib/format';
import { EMPTY_FORM, refText, type SubsetForm } from '../lib/subsets';
import { encodeRoute } from '../lib/url';
import { navigate } from '../state/router';
import { useStore } from '../state/store';
import { subsetList } from '../state/subsets';
import { CreateForm } from './subsets/CreateForm';
import { VersionDetail } from './subsets/VersionDetail';

export function SubsetsView({ name, version }: { name: string | null; version: number | null }) {
  const listed = useStore(subsetList.at({}));
  const subsets = listed.data?.subsets ?? null;
  const err = listed.error !== null ? errorText(listed.error) : null;
  const [form, setForm] = useState<SubsetForm | null>(null);
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
              subsetList.refresh();
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
