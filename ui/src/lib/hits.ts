// Search-term highlighting: split text (or a line of highlighted spans) at the matches of the
// query's full-text terms. The pieces become React text nodes and <mark> elements: never markup.
//
// Terms are the lowercase terms of the index's tokenizer (split on non-alphanumeric characters,
// lowercased, no stemming), so a term matches a whole word, case-insensitively.

import type { Span } from '../api/types';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A global, case-insensitive, whole-word regex for the terms; null when there are none. */
export function termRegex(terms: string[]): RegExp | null {
  const ts = [...new Set(terms.map((t) => t.trim()).filter((t) => t !== ''))].sort((a, b) => b.length - a.length);
  if (ts.length === 0) return null;
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${ts.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

/** [start, end) UTF-16 ranges of the matches in a text. */
export function findHits(text: string, re: RegExp | null): [number, number][] {
  if (!re || text === '') return [];
  const out: [number, number][] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

/** A piece of a line: text with the span's class, inside a match or not. */
export interface Piece {
  text: string;
  cls: string | null;
  hit: boolean;
  /** True on the first piece of a match (a match cut by span borders has several pieces). */
  hitStart: boolean;
}

/** Cuts a line of spans at the term matches of the whole line (matches may cross span borders). */
export function markSpans(spans: Span[], re: RegExp | null): Piece[] {
  const line = spans.map((s) => s.text).join('');
  const hits = findHits(line, re);
  if (hits.length === 0) return spans.map((s) => ({ text: s.text, cls: s.class, hit: false, hitStart: false }));
  // Every cut position: span borders and match borders.
  const out: Piece[] = [];
  let pos = 0;
  let h = 0;
  for (const s of spans) {
    const end = pos + s.text.length;
    let at = pos;
    while (at < end) {
      while (h < hits.length && hits[h][1] <= at) h++;
      const hit = h < hits.length && hits[h][0] <= at;
      const next = hit ? Math.min(end, hits[h][1]) : Math.min(end, h < hits.length ? hits[h][0] : end);
      out.push({ text: s.text.slice(at - pos, next - pos), cls: s.class, hit, hitStart: hit && hits[h][0] === at });
      at = next;
    }
    pos = end;
  }
  return out;
}

/** Cuts plain text at the term matches. */
export function markText(text: string, re: RegExp | null): Piece[] {
  return markSpans([{ text, class: null }], re);
}

/** The number of matches in a text. */
export function countHits(text: string, re: RegExp | null): number {
  return findHits(text, re).length;
}

/** True when any line of a code block has a match. */
export function codeHasHit(lines: Span[][], re: RegExp | null): boolean {
  if (!re) return false;
  return lines.some((l) => findHits(l.map((s) => s.text).join(''), re).length > 0);
}

/** The next hit index for n (+1) / N (-1), wrapping around; -1 when there are none. */
export function stepHit(current: number, total: number, dir: 1 | -1): number {
  if (total <= 0) return -1;
  if (current < 0) return dir === 1 ? 0 : total - 1;
  return (((current + dir) % total) + total) % total;
}
