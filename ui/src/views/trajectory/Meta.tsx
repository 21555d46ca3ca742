// The trajectory's header: title, badges (resolved, exit code, flags) and the metadata grid;
// shared by the trajectory view and the compare view.

import type { TrajectoryMeta } from '../../api/types';
import { fmtInt } from '../../lib/format';

export function ExitBadge({ code }: { code: number | null }) {
  if (code === null) return null;
  return (
    <span className={`badge exit ${code === 0 ? 'ok' : 'fail'}`} data-testid="exit-code" title="exit code">
      exit {code}
    </span>
  );
}

export function ResolvedBadge({ resolved }: { resolved: boolean | null }) {
  return (
    <span className={`badge res res-${String(resolved)}`}>
      {resolved === null ? 'resolved: unknown' : resolved ? 'resolved' : 'not resolved'}
    </span>
  );
}

function MetaItem({ k, v, cls, testId }: { k: string; v: string; cls?: string; testId?: string }) {
  return (
    <div className="meta-item" data-testid={testId}>
      <dt>{k}</dt>
      <dd className={cls} title={v}>
        {v}
      </dd>
    </div>
  );
}

export function MetaHeader({ meta }: { meta: TrajectoryMeta }) {
  const tokens = (meta.usage.prompt_tokens ?? 0) + (meta.usage.completion_tokens ?? 0);
  return (
    <div className="meta">
      <h1 className="meta-title" title={meta.id}>
        {meta.instance_id ?? meta.trajectory_id ?? meta.id}
      </h1>
      <div className="meta-row">
        {meta.kind === 'prediction' && (
          <span className="badge" data-testid="prediction-badge">
            {meta.joined_to ? 'prediction (submitted by a trajectory)' : 'patch-only record'}
          </span>
        )}
        <ResolvedBadge resolved={meta.resolved} />
        {meta.flags.map((f) => (
          <span key={f} className={`chip flag-${f}`}>
            {f}
          </span>
        ))}
      </div>
      <dl className="meta-grid">
        {meta.base_instance && meta.base_instance !== meta.instance_id && (
          <MetaItem k="base instance" v={meta.base_instance} cls="mono" testId="base-instance" />
        )}
        <MetaItem k="repo" v={meta.repo ?? '–'} />
        <MetaItem k="dataset" v={meta.dataset ?? '–'} />
        <MetaItem k="model" v={meta.model ?? '–'} />
        <MetaItem k="format" v={meta.format} />
        <MetaItem k="steps" v={String(meta.step_count)} />
        <MetaItem
          k="patch"
          v={`${meta.facts.patch_files.length} files, +${meta.facts.patch_added} −${meta.facts.patch_removed}`}
        />
        {tokens > 0 && <MetaItem k="tokens" v={fmtInt(tokens)} />}
        {meta.usage.cost !== null && <MetaItem k="cost" v={`$${meta.usage.cost.toFixed(2)}`} />}
        {meta.exit_status && <MetaItem k="exit status" v={meta.exit_status} />}
        <MetaItem k="source" v={`${meta.source.file}:${meta.source.line}`} cls="path" />
        <MetaItem k="id" v={meta.id} cls="mono" />
        {meta.prediction && (
          <MetaItem
            k="submitted prediction"
            v={`${meta.prediction.same_patch ? 'the final patch' : 'differs from the final patch'} · ${meta.prediction.file}:${meta.prediction.line}`}
            cls={meta.prediction.same_patch ? 'path' : 'path meta-warn'}
            testId="submitted-prediction"
          />
        )}
        {meta.joined_to && <MetaItem k="submitted by" v={meta.joined_to} cls="mono" testId="joined-to" />}
      </dl>
      {meta.error && <p className="meta-error">{meta.error}</p>}
    </div>
  );
}
