// Editing query strings of Trawl's query language (README "Query language"): a small lexer that
// finds the top-level terms, adding and removing `field:value` filters (facet clicks, chart
// clicks), and completion candidates at the cursor. The server parses the query; this only edits
// its text, so it never has to agree with the grammar in every corner.

import { VOCABULARY } from '../api/gen/vocabularyValues';
import type { FacetValue } from '../api/types';

/** The field names with one line of help each, in the order completion offers them. */
export const FIELDS: { name: string; help: string }[] = VOCABULARY.fields.map((f) => ({ name: f.name, help: f.detail }));

/** The quality flag names, in bit order. */
export const FLAGS = VOCABULARY.flags.map((f) => f.name);

export const RESOLVED = ['true', 'false', 'unknown'];

/** Fields whose values are names (always quoted when added from a click). */
const PATTERN_FIELDS = new Set(['repo', 'instance', 'base', 'dataset', 'format', 'model', 'id']);

export type TokKind = 'lparen' | 'rparen' | 'phrase' | 'field' | 'word' | 'or' | 'and' | 'neg';

export interface Tok {
  kind: TokKind;
  start: number;
  end: number;
  /** Parenthesis depth the token sits at (0 = top level). */
  depth: number;
  /** For `field`: the name before the first `:`. */
  name?: string;
  /** For `field`: the value, unquoted and unescaped. For `phrase`: the phrase text. */
  value?: string;
}

const isSpace = (c: string) => /\s/.test(c);
const endsWord = (c: string) => isSpace(c) || c === '(' || c === ')' || c === '"';

/** Reads a quoted string starting at `i` (a `"`); returns [end, unescaped text]. */
function readQuoted(q: string, i: number): [number, string] {
  let j = i + 1;
  let out = '';
  while (j < q.length) {
    const c = q[j];
    if (c === '"') return [j + 1, out];
    if (c === '\\' && (q[j + 1] === '"' || q[j + 1] === '\\')) {
      out += q[j + 1];
      j += 2;
      continue;
    }
    out += c;
    j++;
  }
  return [j, out];
}

/** Splits a query into tokens. Never throws: an unterminated quote runs to the end. */
export function lex(q: string): Tok[] {
  const toks: Tok[] = [];
  let depth = 0;
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '(') {
      toks.push({ kind: 'lparen', start: i, end: i + 1, depth });
      depth++;
      i++;
      continue;
    }
    if (c === ')') {
      depth = Math.max(0, depth - 1);
      toks.push({ kind: 'rparen', start: i, end: i + 1, depth });
      i++;
      continue;
    }
    if (c === '"') {
      const [end, text] = readQuoted(q, i);
      toks.push({ kind: 'phrase', start: i, end, depth, value: text });
      i = end;
      continue;
    }
    if (c === '-' && i + 1 < q.length && !isSpace(q[i + 1])) {
      toks.push({ kind: 'neg', start: i, end: i + 1, depth });
      i++;
      continue;
    }
    // a word or a field
    let j = i;
    while (j < q.length && !endsWord(q[j])) j++;
    const word = q.slice(i, j);
    const colon = word.indexOf(':');
    if (colon > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(word.slice(0, colon))) {
      const name = word.slice(0, colon);
      let value = word.slice(colon + 1);
      if (name === 'step' && value === '' && q[j] === '(') {
        // step:( … ) up to the matching parenthesis, skipping quoted strings
        let k = j + 1;
        let d = 1;
        while (k < q.length && d > 0) {
          if (q[k] === '"') {
            k = readQuoted(q, k)[0];
            continue;
          }
          if (q[k] === '\\') k++;
          else if (q[k] === '(') d++;
          else if (q[k] === ')') d--;
          k++;
        }
        toks.push({ kind: 'field', start: i, end: k, depth, name, value: q.slice(j, k) });
        i = k;
        continue;
      }
      if (value === '' && q[j] === '"') {
        const [end, text] = readQuoted(q, j);
        value = text;
        j = end;
      }
      toks.push({ kind: 'field', start: i, end: j, depth, name, value });
      i = j;
      continue;
    }
    const kind: TokKind = word === 'OR' ? 'or' : word === 'AND' ? 'and' : 'word';
    toks.push({ kind, start: i, end: j, depth, value: word });
    i = j;
  }
  return toks;
}

/** Quotes a value for the query language: `"…"` with `\"` and `\\` escaped. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `field:value`, quoted for name fields (`repo:"x"`) and when the value would not lex as one word. */
export function formatFilter(field: string, value: string): string {
  const bareOk = value !== '' && !/[\s()"]/.test(value) && !value.startsWith('-');
  if (PATTERN_FIELDS.has(field) || !bareOk) return `${field}:${quote(value)}`;
  return `${field}:${value}`;
}

function hasTopLevelOr(toks: Tok[]): boolean {
  return toks.some((t) => t.kind === 'or' && t.depth === 0);
}

/** The top-level, non-negated `field:value` token equal to the given filter, if any. */
function findFilter(q: string, field: string, value: string): Tok | null {
  const toks = lex(q);
  if (hasTopLevelOr(toks)) return null;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== 'field' || t.depth !== 0 || t.name !== field || t.value !== value) continue;
    const prev = toks[i - 1];
    if (prev && prev.kind === 'neg' && prev.end === t.start) continue;
    return t;
  }
  return null;
}

/** True when the query has the filter `field:value` as a top-level AND term. */
export function hasFilter(q: string, field: string, value: string): boolean {
  return findFilter(q, field, value) !== null;
}

function cut(q: string, start: number, end: number): string {
  const left = q.slice(0, start).replace(/\s+$/, '');
  const right = q.slice(end).replace(/^\s+/, '');
  return left && right ? `${left} ${right}` : left + right;
}

/** Adds a term (already in query syntax) as an AND of the whole query. */
export function addTerm(q: string, term: string): string {
  const t = q.trim();
  if (!t) return term;
  if (hasTopLevelOr(lex(t))) return `(${t}) ${term}`;
  return `${t} ${term}`;
}

/** Adds `field:value`, or removes it when the query already has it (a second facet click). */
export function toggleFilter(q: string, field: string, value: string): string {
  const found = findFilter(q, field, value);
  if (found) return cut(q, found.start, found.end).trim();
  return addTerm(q, formatFilter(field, value));
}

// ------------------------------------------------------------------------------------------------
// Completion

export interface CompletionItem {
  /** What the list shows. */
  label: string;
  /** The text that replaces [from, to). */
  insert: string;
  /** A count or a line of help. */
  detail?: string;
}

export interface Completion {
  from: number;
  to: number;
  items: CompletionItem[];
}

const TOOLS = ['execute_bash', 'bash', 'str_replace_editor', 'think', 'finish', 'submit'];

function valueCandidates(
  field: string,
  facets: { [f: string]: FacetValue[] | undefined },
): { value: string; detail?: string }[] {
  const counted = (f: string) =>
    (facets[f] ?? []).filter((v) => v.value !== '(none)').map((v) => ({ value: v.value, detail: String(v.count) }));
  switch (field) {
    case 'resolved': {
      const c = new Map((facets.resolved ?? []).map((v) => [v.value, String(v.count)]));
      return RESOLVED.map((v) => ({ value: v, detail: c.get(v) }));
    }
    case 'flag': {
      const c = new Map((facets.flag ?? []).map((v) => [v.value, String(v.count)]));
      return FLAGS.map((v) => ({ value: v, detail: c.get(v) }));
    }
    case 'tool':
      return facets.tool ? counted('tool') : TOOLS.map((v) => ({ value: v }));
    case 'repo':
    case 'dataset':
    case 'format':
    case 'model':
      return counted(field);
    default:
      return [];
  }
}

/**
 * Completion candidates for the token under the cursor: field names for a bare prefix, values (facet
 * values of the last response with their counts, flags, resolved) after `field:`. `explicit` (the
 * user asked, Ctrl+Space) also offers every field at an empty prefix.
 */
export function completions(
  q: string,
  cursor: number,
  facets: { [f: string]: FacetValue[] | undefined },
  explicit = false,
): Completion {
  const none: Completion = { from: cursor, to: cursor, items: [] };
  const toks = lex(q);
  const tok = toks.find((t) => t.start < cursor && cursor <= t.end && (t.kind === 'word' || t.kind === 'field'));
  if (!tok) {
    if (!explicit) return none;
    return {
      from: cursor,
      to: cursor,
      items: FIELDS.map((f) => ({ label: `${f.name}:`, insert: f.name === 'step' ? 'step:(' : `${f.name}:`, detail: f.help })),
    };
  }
  const prefix = q.slice(tok.start, cursor);
  const colon = prefix.indexOf(':');
  if (colon < 0) {
    const p = prefix.toLowerCase();
    const items = FIELDS.filter((f) => f.name.startsWith(p) && f.name !== p).map((f) => ({
      label: `${f.name}:`,
      insert: f.name === 'step' ? 'step:(' : `${f.name}:`,
      detail: f.help,
    }));
    return { from: tok.start, to: tok.end, items };
  }
  const field = prefix.slice(0, colon);
  if (field === 'step') return none;
  const typed = prefix.slice(colon + 1).replace(/^"/, '').toLowerCase();
  const cands = valueCandidates(field, facets);
  const starts = cands.filter((c) => c.value.toLowerCase().startsWith(typed));
  const contains = cands.filter((c) => !c.value.toLowerCase().startsWith(typed) && c.value.toLowerCase().includes(typed));
  const items = [...starts, ...contains]
    .filter((c) => formatFilter(field, c.value) !== q.slice(tok.start, tok.end))
    .slice(0, 50)
    .map((c) => ({ label: c.value, insert: formatFilter(field, c.value), detail: c.detail }));
  return { from: tok.start, to: tok.end, items };
}

/** Applies a completion: the new text and the cursor after the inserted text. */
export function applyCompletion(q: string, c: Completion, item: CompletionItem): { text: string; cursor: number } {
  const before = q.slice(0, c.from);
  let after = q.slice(c.to);
  const insert = item.insert;
  if (insert.endsWith(':') || insert.endsWith('(')) {
    return { text: before + insert + after, cursor: before.length + insert.length };
  }
  if (!after.startsWith(' ')) after = ` ${after}`;
  return { text: before + insert + after, cursor: before.length + insert.length + 1 };
}

/** Converts a 1-based character (code point) column into a UTF-16 string index. */
export function columnToIndex(q: string, column: number): number {
  const chars = Array.from(q);
  return chars.slice(0, Math.max(0, column - 1)).join('').length;
}
