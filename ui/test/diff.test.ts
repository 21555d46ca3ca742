import { describe, expect, it } from 'vitest';
import { diffPath, sideBySide } from '../src/lib/diff';
import type { DiffLine } from '../src/api/types';

const l = (kind: DiffLine['kind'], text: string): DiffLine => ({ kind, old_no: null, new_no: null, spans: [{ text, class: null }] });

describe('side-by-side diff', () => {
  it('pairs deletions with the following additions, context on both sides', () => {
    const rows = sideBySide({
      header: '@@',
      lines: [l('ctx', 'a'), l('del', 'b'), l('del', 'c'), l('add', 'B'), l('ctx', 'd'), l('add', 'e')],
    });
    const t = (x: DiffLine | null) => (x ? x.spans[0].text : null);
    expect(rows.map((r) => [t(r.left), t(r.right)])).toEqual([
      ['a', 'a'],
      ['b', 'B'],
      ['c', null],
      ['d', 'd'],
      [null, 'e'],
    ]);
  });

  it('names renames, additions and deletions', () => {
    const base = { language: 'py', binary: false, added: 0, removed: 0, hunks: [] };
    expect(diffPath({ ...base, old_path: 'a.py', new_path: 'a.py' })).toBe('a.py');
    expect(diffPath({ ...base, old_path: 'a.py', new_path: 'b.py' })).toBe('a.py → b.py');
    expect(diffPath({ ...base, old_path: 'a.py', new_path: null })).toBe('a.py');
  });
});
