// Pure labelling logic for the label panel: which sets apply where, what a number key means in a
// set, how values read as text, whose value is whose. No React, no I/O (tested in test/labels.test.ts).

import type { CurrentLabelView, LabelSetView } from '../api/types';

/** A value as the API takes it: text (single, text), a list (multi) or an integer (rating). */
export type LabelValue = string | string[] | number;

/** The set that holds flag reviews: shown as the flag list, not as a set of its own. */
export const FLAG_REVIEW_SET = 'flag_review';

/** What a label applies to: the trajectory, or one of its steps. */
export type Target = { kind: 'trajectory' } | { kind: 'step'; step: number };

/** The label sets that apply to a target, in schema order (the flag review set excluded). */
export function setsFor(sets: LabelSetView[], target: Target): LabelSetView[] {
  return sets.filter(
    (s) => s.name !== FLAG_REVIEW_SET && (s.level === 'both' || s.level === (target.kind === 'step' ? 'step' : 'trajectory')),
  );
}

/** The choices of a set with the number key that picks each (null past 9): values, or min..max of a rating. */
export function choices(set: LabelSetView): { value: string | number; key: number | null }[] {
  if (set.kind === 'single' || set.kind === 'multi') {
    return set.values.map((v, i) => ({ value: v, key: i < 9 ? i + 1 : null }));
  }
  if (set.kind === 'rating' && set.min !== null && set.max !== null) {
    const out: { value: number; key: number | null }[] = [];
    for (let v = set.min; v <= set.max; v++) out.push({ value: v, key: out.length < 9 ? out.length + 1 : null });
    return out;
  }
  return [];
}

/**
 * The new value after pressing number key `digit` (1–9) in `set`, given the current value: a
 * single-select or a rating takes the digit's choice (pressing the chosen one again clears it:
 * `null`), a multi-select toggles it (an empty list clears). `undefined` when the key means
 * nothing there (no such choice, a text set).
 */
export function pickValue(set: LabelSetView, digit: number, current: unknown): LabelValue | null | undefined {
  const c = choices(set).find((x) => x.key === digit);
  if (!c) return undefined;
  if (set.kind === 'multi') {
    const cur = Array.isArray(current) ? current.map(String) : [];
    const v = String(c.value);
    const next = cur.includes(v) ? cur.filter((x) => x !== v) : [...cur, v];
    // keep the schema's order, so the same choice always reads the same
    return set.values.filter((x) => next.includes(x));
  }
  return current === c.value ? null : c.value;
}

/** True when a value is chosen in a choice (a multi-select list contains it). */
export function isChosen(current: unknown, value: string | number): boolean {
  if (Array.isArray(current)) return current.includes(value);
  return current === value;
}

/** A value as text: lists joined with commas. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (Array.isArray(v)) return v.length ? v.map(String).join(', ') : '–';
  return String(v);
}

function sameStep(a: number | null, t: Target): boolean {
  return t.kind === 'step' ? a === t.step : a === null;
}

/** This annotator's current value of a set on a target. */
export function mine(current: CurrentLabelView[], annotator: string, set: string, target: Target): unknown {
  return current.find((c) => c.annotator === annotator && c.set === set && sameStep(c.step, target))?.value;
}

/** Everyone else's current values of a set on a target (adjudications included, marked by name). */
export function others(current: CurrentLabelView[], annotator: string, set: string, target: Target): CurrentLabelView[] {
  return current.filter((c) => c.annotator !== annotator && c.set === set && sameStep(c.step, target));
}

/** The steps that carry a label (any set, anyone), ascending: "where it went wrong" marks. */
export function labelledSteps(current: CurrentLabelView[]): number[] {
  const s = new Set<number>();
  for (const c of current) if (c.step !== null) s.add(c.step);
  return [...s].sort((a, b) => a - b);
}

/** The set whose step labels say how a step went wrong (shown first in a step's mark). */
export const FAILURE_SET = 'failure_mode';

/**
 * The mark of each labelled step ("where it went wrong"), as text: the failure modes first, then
 * every other step label as `set: value`; distinct pieces, anyone's labels, joined with " · ".
 */
export function stepMarks(current: CurrentLabelView[]): Map<number, string> {
  const pieces = new Map<number, { first: string[]; rest: string[] }>();
  for (const c of current) {
    if (c.step === null) continue;
    const v = formatValue(c.value);
    if (v === '–') continue;
    let p = pieces.get(c.step);
    if (!p) pieces.set(c.step, (p = { first: [], rest: [] }));
    const [list, text] = c.set === FAILURE_SET ? [p.first, v] : [p.rest, `${c.set}: ${v}`];
    if (!list.includes(text)) list.push(text);
  }
  const out = new Map<number, string>();
  for (const step of [...pieces.keys()].sort((a, b) => a - b)) {
    const p = pieces.get(step)!;
    out.set(step, [...p.first, ...p.rest].join(' · '));
  }
  return out;
}

/** The index `dir` away from `i` among `n`, wrapping around (0 when there is nothing). */
export function cycle(n: number, i: number, dir: 1 | -1): number {
  if (n <= 0) return 0;
  return (((i + dir) % n) + n) % n;
}

/** The flags worth showing for review: set by the engine, or decided by someone. */
export function reviewableFlags<T extends { set_by_engine: boolean; decisions: Record<string, string> }>(flags: T[]): T[] {
  return flags.filter((f) => f.set_by_engine || Object.keys(f.decisions).length > 0);
}

/** Landis & Koch's words for an agreement coefficient (κ or α). */
export function agreementBand(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return 'undefined';
  if (v < 0) return 'worse than chance';
  if (v <= 0.2) return 'slight';
  if (v <= 0.4) return 'fair';
  if (v <= 0.6) return 'moderate';
  if (v <= 0.8) return 'substantial';
  return 'almost perfect';
}

/** The distinct values of a disagreement, in first-seen order (lists compared by content). */
export function distinctValues(values: Record<string, unknown>): unknown[] {
  const seen = new Map<string, unknown>();
  for (const v of Object.values(values)) {
    const k = JSON.stringify(v);
    if (!seen.has(k)) seen.set(k, v);
  }
  return [...seen.values()];
}

/** True when two label values are the same (lists by content). */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
