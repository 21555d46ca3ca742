import { describe, expect, it } from 'vitest';
import { codeHasHit, countHits, findHits, markSpans, markText, stepHit, termRegex } from '../src/lib/hits';

describe('hits', () => {
  it('matches whole words case-insensitively, longest term first', () => {
    const re = termRegex(['test', 'tests']);
    expect(findHits('Tests test testing TEST', re)).toEqual([
      [0, 5],
      [6, 10],
      [19, 23],
    ]);
    expect(countHits('foo_bar foo-bar', termRegex(['foo', 'bar']))).toBe(4);
  });

  it('escapes regex characters and ignores empty terms', () => {
    expect(termRegex([])).toBeNull();
    expect(termRegex(['', ' '])).toBeNull();
    expect(findHits('a.b a+b', termRegex(['a.b']))).toEqual([[0, 3]]);
  });

  it('splits plain text into marked and unmarked pieces', () => {
    const p = markText('Error: recursion depth; RECURSION', termRegex(['recursion']));
    expect(p.map((x) => [x.text, x.hit])).toEqual([
      ['Error: ', false],
      ['recursion', true],
      [' depth; ', false],
      ['RECURSION', true],
    ]);
    expect(p.filter((x) => x.hitStart).length).toBe(2);
  });

  it('cuts spans at matches, keeps classes, and marks a match across span borders once', () => {
    const spans = [
      { text: 'def ', class: 'kw' },
      { text: 'foo', class: 'fn' },
      { text: 'bar(x)', class: null },
    ];
    const pieces = markSpans(spans, termRegex(['foobar']));
    expect(pieces.map((p) => [p.text, p.cls, p.hit, p.hitStart])).toEqual([
      ['def ', 'kw', false, false],
      ['foo', 'fn', true, true],
      ['bar', null, true, false],
      ['(x)', null, false, false],
    ]);
    expect(pieces.map((p) => p.text).join('')).toBe('def foobar(x)');
  });

  it('leaves text untouched without terms (markup stays text)', () => {
    const t = '<img src=x onerror=alert(1)>';
    expect(markText(t, null)).toEqual([{ text: t, cls: null, hit: false, hitStart: false }]);
    expect(markText(t, termRegex(['img'])).map((p) => p.text).join('')).toBe(t);
  });

  it('finds hits in code lines', () => {
    const lines = [[{ text: 'nothing', class: null }], [{ text: 'a Pytest run', class: null }]];
    expect(codeHasHit(lines, termRegex(['pytest']))).toBe(true);
    expect(codeHasHit(lines, termRegex(['django']))).toBe(false);
  });

  it('wraps around hit navigation', () => {
    expect(stepHit(-1, 3, 1)).toBe(0);
    expect(stepHit(-1, 3, -1)).toBe(2);
    expect(stepHit(2, 3, 1)).toBe(0);
    expect(stepHit(0, 3, -1)).toBe(2);
    expect(stepHit(0, 0, 1)).toBe(-1);
  });
});
