import { describe, expect, it } from 'vitest';
import {
  addTerm,
  applyCompletion,
  columnToIndex,
  completions,
  formatFilter,
  hasFilter,
  lex,
  quote,
  toggleFilter,
} from '../src/lib/query';

describe('query editing', () => {
  it('quotes values with escapes', () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(formatFilter('repo', 'django/django')).toBe('repo:"django/django"');
    expect(formatFilter('flag', 'loop')).toBe('flag:loop');
    expect(formatFilter('resolved', 'true')).toBe('resolved:true');
    expect(formatFilter('tool', 'my tool')).toBe('tool:"my tool"');
    expect(formatFilter('tool', '-x')).toBe('tool:"-x"');
  });

  it('lexes fields, quoted values, negation, groups and step conditions', () => {
    const toks = lex('-repo:"a b" (x OR y) step:(tool:bash cmd:/a\\(b/) "ph \\" rase"');
    expect(toks.map((t) => t.kind)).toEqual(['neg', 'field', 'lparen', 'word', 'or', 'word', 'rparen', 'field', 'phrase']);
    expect(toks[1]).toMatchObject({ name: 'repo', value: 'a b', depth: 0 });
    expect(toks[3].depth).toBe(1);
    expect(toks[7]).toMatchObject({ name: 'step', value: '(tool:bash cmd:/a\\(b/)' });
    expect(toks[8].value).toBe('ph " rase');
  });

  it('adds a facet filter and removes it on the second click', () => {
    const q1 = toggleFilter('pytest', 'repo', 'django/django');
    expect(q1).toBe('pytest repo:"django/django"');
    expect(hasFilter(q1, 'repo', 'django/django')).toBe(true);
    const q2 = toggleFilter(q1, 'repo', 'django/django');
    expect(q2).toBe('pytest');
    expect(toggleFilter('', 'flag', 'loop')).toBe('flag:loop');
    expect(toggleFilter('flag:loop', 'flag', 'loop')).toBe('');
    // removal keeps the rest intact, also in the middle, and matches bare and quoted forms
    expect(toggleFilter('a repo:x b', 'repo', 'x')).toBe('a b');
    expect(toggleFilter('a repo:"x" b', 'repo', 'x')).toBe('a b');
  });

  it('does not treat a negated or nested filter as present', () => {
    expect(hasFilter('-repo:"x"', 'repo', 'x')).toBe(false);
    expect(toggleFilter('-repo:"x"', 'repo', 'x')).toBe('-repo:"x" repo:"x"');
    expect(hasFilter('(repo:"x" OR y)', 'repo', 'x')).toBe(false);
  });

  it('groups a top-level OR before adding a filter', () => {
    expect(addTerm('a OR b', 'flag:loop')).toBe('(a OR b) flag:loop');
    expect(addTerm('(a OR b) c', 'flag:loop')).toBe('(a OR b) c flag:loop');
    expect(toggleFilter('a OR b', 'repo', 'x')).toBe('(a OR b) repo:"x"');
    expect(hasFilter('(a OR b) repo:"x"', 'repo', 'x')).toBe(true);
    expect(toggleFilter('(a OR b) repo:"x"', 'repo', 'x')).toBe('(a OR b)');
  });

  it('converts a code-point column to a string index', () => {
    expect(columnToIndex('abc', 1)).toBe(0);
    expect(columnToIndex('abc', 3)).toBe(2);
    expect(columnToIndex('😀 (', 3)).toBe(3); // the emoji is 2 UTF-16 units, 1 column
  });
});

describe('completion', () => {
  const facets = {
    repo: [
      { value: 'django/django', count: 12 },
      { value: 'psf/requests', count: 5 },
      { value: 'pallets/flask', count: 3 },
    ],
    flag: [{ value: 'loop', count: 4 }],
  };

  it('offers field names for a bare prefix', () => {
    const c = completions('pyt re', 6, facets);
    expect(c.from).toBe(4);
    expect(c.items.map((i) => i.insert)).toEqual(['repo:', 'resolved:']);
    expect(completions('st', 2, facets).items.map((i) => i.insert)).toEqual(['steps:', 'step:(']);
  });

  it('offers facet values after field:, prefix matches first, quoted', () => {
    const c = completions('x repo:', 7, facets);
    expect(c.items.map((i) => i.label)).toEqual(['django/django', 'psf/requests', 'pallets/flask']);
    expect(c.items[0].detail).toBe('12');
    const d = completions('x repo:"p', 9, facets);
    expect(d.items.map((i) => i.insert)).toEqual(['repo:"psf/requests"', 'repo:"pallets/flask"']);
    const e = completions('repo:fla', 8, facets);
    expect(e.items.map((i) => i.label)).toEqual(['pallets/flask']);
  });

  it('offers flags and resolved values with counts', () => {
    const f = completions('flag:l', 6, facets);
    expect(f.items.map((i) => i.insert)).toEqual(['flag:loop', 'flag:hit_limit', 'flag:stray_files', 'flag:tool_errors']);
    expect(f.items[0].detail).toBe('4');
    expect(completions('resolved:', 9, facets).items.map((i) => i.label)).toEqual(['true', 'false', 'unknown']);
  });

  it('offers nothing inside step:( ) or at an empty prefix unless asked', () => {
    expect(completions('step:(tool:b', 12, facets).items).toEqual([]);
    expect(completions('a ', 2, facets).items).toEqual([]);
    expect(completions('a ', 2, facets, true).items.length).toBeGreaterThan(10);
  });

  it('applies a completion with a trailing space for values, none for fields', () => {
    const c = completions('x rep', 5, facets);
    expect(applyCompletion('x rep', c, c.items[0])).toEqual({ text: 'x repo:', cursor: 7 });
    const d = completions('x repo:ps y', 9, facets);
    expect(applyCompletion('x repo:ps y', d, d.items[0])).toEqual({ text: 'x repo:"psf/requests" y', cursor: 22 });
  });
});
