// Diff layout: a hunk as side-by-side rows (deletions paired with the additions that follow).

import type { DiffLine, FileDiff, Hunk } from '../api/types';

export interface SideRow {
  left: DiffLine | null;
  right: DiffLine | null;
}

/** Context lines on both sides; a run of deletions is paired line by line with the next run of additions. */
export function sideBySide(hunk: Hunk): SideRow[] {
  const rows: SideRow[] = [];
  const lines = hunk.lines;
  let i = 0;
  while (i < lines.length) {
    const l = lines[i];
    if (l.kind === 'ctx') {
      rows.push({ left: l, right: l });
      i++;
      continue;
    }
    const dels: DiffLine[] = [];
    const adds: DiffLine[] = [];
    while (i < lines.length && lines[i].kind === 'del') dels.push(lines[i++]);
    while (i < lines.length && lines[i].kind === 'add') adds.push(lines[i++]);
    for (let k = 0; k < Math.max(dels.length, adds.length); k++) {
      rows.push({ left: dels[k] ?? null, right: adds[k] ?? null });
    }
  }
  return rows;
}

/** The path a file diff is shown under: the new path, or the old one for a deletion. */
export function diffPath(f: FileDiff): string {
  if (f.new_path && f.old_path && f.new_path !== f.old_path) return `${f.old_path} → ${f.new_path}`;
  return f.new_path ?? f.old_path ?? '(unnamed)';
}
