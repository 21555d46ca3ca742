// A file diff, unified or side by side, highlighted; added/removed lines carry the test ids
// `diff-line-add` / `diff-line-del`.

import type { DiffLine, FileDiff } from '../api/types';
import { diffPath, sideBySide } from '../lib/diff';
import { SpanLine } from './Code';

export type DiffMode = 'unified' | 'split';

function lineTestId(l: DiffLine): string | undefined {
  return l.kind === 'add' ? 'diff-line-add' : l.kind === 'del' ? 'diff-line-del' : undefined;
}

const SIGN = { add: '+', del: '-', ctx: ' ' } as const;

function UnifiedLine({ line, re }: { line: DiffLine; re: RegExp | null }) {
  return (
    <div className={`dl dl-${line.kind}`} data-testid={lineTestId(line)}>
      <span className="no">{line.old_no ?? ''}</span>
      <span className="no">{line.new_no ?? ''}</span>
      <span className="sign">{SIGN[line.kind]}</span>
      <span className="src">
        <SpanLine spans={line.spans} re={re} />
      </span>
    </div>
  );
}

function SideCell({ line, side, re }: { line: DiffLine | null; side: 'old' | 'new'; re: RegExp | null }) {
  if (!line) return <div className="dl dl-empty" />;
  const no = side === 'old' ? line.old_no : line.new_no;
  return (
    <div className={`dl dl-${line.kind}`} data-testid={lineTestId(line)}>
      <span className="no">{no ?? ''}</span>
      <span className="sign">{SIGN[line.kind]}</span>
      <span className="src">
        <SpanLine spans={line.spans} re={re} />
      </span>
    </div>
  );
}

export function FileDiffView({ diff, mode, re }: { diff: FileDiff; mode: DiffMode; re: RegExp | null }) {
  return (
    <div className={`diff diff-${mode}`} data-testid="diff-view">
      <div className="diff-head">
        <span className="diff-path">{diffPath(diff)}</span>
        <span className="diff-stat">
          <span className="added">+{diff.added}</span> <span className="removed">−{diff.removed}</span>
        </span>
      </div>
      {diff.binary ? (
        <div className="diff-note">binary file</div>
      ) : (
        diff.hunks.map((h, hi) => (
          <div className="hunk" key={hi}>
            <div className="hunk-head">{h.header}</div>
            {mode === 'unified'
              ? h.lines.map((l, i) => <UnifiedLine key={i} line={l} re={re} />)
              : sideBySide(h).map((r, i) => (
                  <div className="split-row" key={i}>
                    <SideCell line={r.left} side="old" re={re} />
                    <SideCell line={r.right} side="new" re={re} />
                  </div>
                ))}
          </div>
        ))
      )}
    </div>
  );
}

export function DiffList({ diffs, mode, re, empty }: { diffs: FileDiff[]; mode: DiffMode; re: RegExp | null; empty: string }) {
  if (diffs.length === 0) return <p className="muted">{empty}</p>;
  return (
    <div className="diff-list">
      {diffs.map((d, i) => (
        <FileDiffView key={i} diff={d} mode={mode} re={re} />
      ))}
    </div>
  );
}
