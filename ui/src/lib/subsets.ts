// Pure logic of the subset form: the request a form makes, with every problem named before a
// call; id lists; the caret under a rule's error column. Tested in test/subsets.test.ts.

import { VOCABULARY } from '../api/gen/vocabularyValues';
import type { CapOrder, SubsetCreateRequest } from '../api/types';

/** Cap order keys the server knows, most important first when listed. */
export const CAP_ORDERS = VOCABULARY.cap_orders;

/** Dedup modes (`none` = no dedup). */
export const DEDUP_MODES = VOCABULARY.dedup_modes;

export interface SubsetForm {
  name: string;
  /** `''` = the whole database, else `name@version`. */
  parent: string;
  rule: string;
  includes: string;
  excludes: string;
  dedup: (typeof DEDUP_MODES)[number];
  threshold: string;
  cap: boolean;
  capK: string;
  capOrder: string;
  contamination: string[];
}

export const EMPTY_FORM: SubsetForm = {
  name: '',
  parent: '',
  rule: '',
  includes: '',
  excludes: '',
  dedup: 'none',
  threshold: '0.8',
  cap: false,
  capK: '2',
  capOrder: 'resolved, fewest_steps',
  contamination: [],
};

/** Ids from a text: separated by whitespace or commas, duplicates dropped, order kept. */
export function parseIds(text: string): string[] {
  const out: string[] = [];
  for (const t of text.split(/[\s,]+/)) if (t && !out.includes(t)) out.push(t);
  return out;
}

/** `name@3` → {subset, version}; `name` → latest. */
export function parseRef(s: string): { subset: string; version: number | null } | null {
  const t = s.trim();
  if (!t) return null;
  const m = t.match(/^([^@\s]+)(?:@(\d+))?$/);
  return m ? { subset: m[1], version: m[2] === undefined ? null : Number(m[2]) } : null;
}

/** The `subset_create` request of a form, or the first problem with it. */
export function buildRequest(f: SubsetForm): { req: SubsetCreateRequest } | { error: string } {
  const name = f.name.trim();
  if (!name) return { error: 'the subset needs a name' };
  if (/[\s@]/.test(name)) return { error: `name '${name}': no spaces and no @` };
  const parent = f.parent.trim() ? parseRef(f.parent) : null;
  if (f.parent.trim() && !parent) return { error: `parent '${f.parent}': expected name or name@version` };
  let dedup: SubsetCreateRequest['shaping']['dedup'] = null;
  if (f.dedup !== 'none') {
    let threshold: number | null = null;
    if (f.dedup === 'near_patch') {
      threshold = Number(f.threshold);
      if (!f.threshold.trim() || !Number.isFinite(threshold) || threshold <= 0 || threshold > 1)
        return { error: `dedup threshold '${f.threshold}': a number in (0, 1]` };
    }
    dedup = { mode: f.dedup, threshold };
  }
  let cap: SubsetCreateRequest['shaping']['cap'] = null;
  if (f.cap) {
    if (!/^\d+$/.test(f.capK.trim()) || Number(f.capK) < 1) return { error: `cap '${f.capK}': a whole number ≥ 1 per instance` };
    const order = f.capOrder
      .split(/[\s,]+/)
      .map((x) => x.trim())
      .filter((x) => x);
    const bad = order.find((o) => !(CAP_ORDERS as readonly string[]).includes(o));
    if (bad) return { error: `cap order '${bad}': one of ${CAP_ORDERS.join(', ')}` };
    cap = { k: Number(f.capK), order: order as CapOrder[] };
  }
  return {
    req: {
      name,
      parent,
      rule: f.rule.trim(),
      includes: parseIds(f.includes),
      excludes: parseIds(f.excludes),
      shaping: { dedup, cap, contamination: [...f.contamination] },
    },
  };
}

/** The line under a rule that puts `^` below 1-based `column` (clamped to the rule's end + 1). */
export function caretLine(rule: string, column: number): string {
  const c = Math.max(1, Math.min(column, rule.length + 1));
  return `${' '.repeat(c - 1)}^`;
}

/** A version reference as text: `name@v`. */
export function refText(name: string, version: number | null): string {
  return version === null ? name : `${name}@${version}`;
}
