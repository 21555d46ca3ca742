// Library: the open database, ingest jobs with live progress, diagnostics with their source lines.

import { useEffect, useState } from 'react';
import { inTauri, pickPaths } from '../api/client';
import { errorText } from '../api/errors';
import type { DiagnosticView, JobView } from '../api/types';
import { fmtBytes, fmtDuration, fmtInt } from '../lib/format';
import { AnnotatorCard } from '../components/Annotator';
import { library } from '../state/library';
import { sourceExcerpt } from '../state/reads';
import { useStore } from '../state/store';


function JobRow({ job, onCancel }: { job: JobView; onCancel: () => void }) {
  const p = job.progress;
  const r = job.report;
  const frac = p && p.total_bytes > 0 ? Math.min(1, p.disk_bytes / p.total_bytes) : null;
  return (
    <li className={`job job-${job.state}`} data-testid="job-row" data-state={job.state} data-id={job.id}>
      <div className="job-head">
        <span className="job-id">#{job.id}</span>
        <span className={`badge state-${job.state}`}>{job.state}</span>
        <span className="path" title={job.paths.join('\n')}>
          {job.paths.join(', ')}
        </span>
        {job.state === 'running' && (
          <button type="button" onClick={onCancel} data-testid="job-cancel">
            cancel
          </button>
        )}
      </div>
      {p && job.state === 'running' && (
        <div className="job-progress">
          <progress max={1} value={frac ?? undefined} />
          <span>{fmtInt(p.records)} records</span>
          <span>{p.mb_per_s.toFixed(1)} MB/s</span>
          <span>
            {fmtBytes(p.disk_bytes)} / {fmtBytes(p.total_bytes)}
          </span>
          <span>ETA {fmtDuration(p.eta_s)}</span>
          {p.files > 1 && (
            <span>
              file {p.file_index} of {p.files}
            </span>
          )}
          <span className="muted small path">{p.current_file}</span>
        </div>
      )}
      {r && (
        <div className="job-report">
          <span>{fmtInt(r.stored)} stored</span>
          <span>{fmtInt(r.duplicates)} duplicates</span>
          {r.reports > 0 && (
            <span title={`${fmtInt(r.outcomes)} outcome statements`}>{fmtInt(r.reports)} reports</span>
          )}
          {r.rejected > 0 && <span className="error">{fmtInt(r.rejected)} rejected</span>}
          <span>{fmtInt(r.records)} records</span>
          <span>{fmtInt(r.files)} files</span>
          {r.files_unchanged > 0 && <span>{fmtInt(r.files_unchanged)} unchanged</span>}
          <span className={r.errors ? 'error' : undefined}>{fmtInt(r.errors)} errors</span>
          <span>{fmtInt(r.warnings)} warnings</span>
          <span>
            {fmtBytes(r.bytes)} in {fmtDuration(r.elapsed_s)}
          </span>
          {r.cancelled && <span className="error">cancelled</span>}
        </div>
      )}
      {job.error && <p className="error small">{job.error}</p>}
    </li>
  );
}

function Excerpt({ d }: { d: DiagnosticView }) {
  const excerpt = useStore(sourceExcerpt.at({ file: d.file, line: d.line, context: 4 }));
  const ex = excerpt.data;
  const err = excerpt.error !== null ? errorText(excerpt.error) : null;
  if (err) return <p className="error small">{err}</p>;
  if (!ex) return <p className="muted small">reading {d.file}…</p>;
  return (
    <div className="code excerpt" data-testid="source-excerpt">
      {ex.lines.map((l, i) => {
        const n = ex.first_line + i;
        return (
          <div className={`code-line${n === d.line ? ' target' : ''}`} key={i}>
            <span className="ln">{n}</span>
            <span className="src">{l.length > 2000 ? `${l.slice(0, 2000)}… (${fmtInt(l.length)} chars)` : l}</span>
          </div>
        );
      })}
    </div>
  );
}

export function LibraryView() {
  const { info, jobs, diags, notices, msg } = useStore(library);
  const [dbPath, setDbPath] = useState('');
  const [paths, setPaths] = useState('');
  const [force, setForce] = useState(false);
  const [openDiag, setOpenDiag] = useState<number | null>(null);

  useEffect(() => library.mount(), []);

  const open = async () => {
    if (!dbPath.trim()) return;
    await library.open(dbPath.trim());
  };

  const ingest = async () => {
    const ps = paths
      .split('\n')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    if (ps.length === 0) return;
    if (await library.ingest(ps, force)) setPaths('');
  };

  const browse = async (directory: boolean) => {
    const ps = await pickPaths(directory);
    if (ps && ps.length) setPaths((cur) => [cur.trim(), ...ps].filter((x) => x).join('\n'));
  };

  const s = info?.stats;
  return (
    <div className="library-view" data-testid="library-view">
      <section className="card">
        <h2>Database</h2>
        {info ? (
          <>
            <p className="path" data-testid="db-path">
              {info.path}
            </p>
            {s && (
              <p className="muted">
                {fmtInt(s.trajectories)} trajectories ·{' '}
                {s.predictions + s.predictions_joined > 0 && (
                  <span data-testid="prediction-counts">
                    {fmtInt(s.predictions_joined)} predictions joined · {fmtInt(s.predictions)} patch-only ·{' '}
                  </span>
                )}
                {fmtInt(s.sources)} files · {fmtInt(s.indexed)} indexed ·{' '}
                {fmtInt(s.errors)} errors · {fmtInt(s.warnings)} warnings · {fmtBytes(s.db_bytes)}
              </p>
            )}
            {s && !s.index_behind && s.indexed !== s.trajectories + s.predictions && (
              <p className="error" data-testid="index-mismatch">
                The index holds {fmtInt(s.indexed)} documents for {fmtInt(s.trajectories + s.predictions)} records:
                search results are wrong until <code>trawl check --repair</code>.
              </p>
            )}
            {notices.map((n, i) => (
              <p key={i} className="muted small" data-testid="db-notice">
                {n}
              </p>
            ))}
          </>
        ) : (
          <p className="muted">no database information</p>
        )}
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void open();
          }}
        >
          <input
            type="text"
            value={dbPath}
            onChange={(e) => setDbPath(e.target.value)}
            placeholder="path of a database to open or create (…/name.trawl.db)"
            data-testid="db-path-input"
          />
          <button type="submit">Open / create</button>
        </form>
      </section>

      <AnnotatorCard />

      <section className="card">
        <h2>Add files</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void ingest();
          }}
        >
          <textarea
            rows={3}
            value={paths}
            onChange={(e) => setPaths(e.target.value)}
            placeholder="files or folders to ingest, one per line"
            data-testid="ingest-paths"
          />
          <div className="inline-form">
            {inTauri() && (
              <>
                <button type="button" onClick={() => void browse(false)}>
                  Add files…
                </button>
                <button type="button" onClick={() => void browse(true)}>
                  Add folder…
                </button>
              </>
            )}
            <label>
              <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> re-read unchanged files
            </label>
            <button type="submit" data-testid="ingest-start">
              Ingest
            </button>
          </div>
        </form>
        {msg && <p className="error">{msg}</p>}
        <h3>Jobs</h3>
        {jobs.length === 0 ? (
          <p className="muted small">no ingest jobs in this session</p>
        ) : (
          <ul className="jobs">
            {[...jobs].reverse().map((j) => (
              <JobRow
                key={j.id}
                job={j}
                onCancel={() => library.cancel(j.id)}
              />
            ))}
          </ul>
        )}
      </section>

      <section className="card">
        <h2>Diagnostics {diags && <span className="muted small">({fmtInt(diags.total)})</span>}</h2>
        {diags && diags.diagnostics.length === 0 && <p className="muted small">none: every record was stored</p>}
        <ul className="diagnostics">
          {diags?.diagnostics.map((d, i) => (
            <li key={i} className={`diag sev-${d.severity}`} data-testid="diagnostic">
              <button type="button" className="diag-head" onClick={() => setOpenDiag(openDiag === i ? null : i)}>
                <span className={`badge sev-${d.severity}`}>{d.severity}</span>
                <span className="path">
                  {d.file}:{d.line}
                </span>
                <span className="diag-msg">{d.message}</span>
              </button>
              {openDiag === i && d.line > 0 && <Excerpt d={d} />}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
