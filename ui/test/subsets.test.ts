import { describe, expect, it } from 'vitest';
import { EMPTY_FORM, buildRequest, caretLine, parseIds, parseRef } from '../src/lib/subsets';

describe('subset form', () => {
  it('builds the request of a full form', () => {
    const r = buildRequest({
      ...EMPTY_FORM,
      name: ' clean ',
      parent: 'base@2',
      rule: ' -flag:empty_patch ',
      includes: 't1, t2 t1',
      excludes: 't3\nt4',
      dedup: 'near_patch',
      threshold: '0.9',
      cap: true,
      capK: '2',
      capOrder: 'resolved, fewest_steps',
      contamination: ['swe-bench-verified.instances'],
    });
    expect(r).toEqual({
      req: {
        name: 'clean',
        parent: { subset: 'base', version: 2 },
        rule: '-flag:empty_patch',
        includes: ['t1', 't2'],
        excludes: ['t3', 't4'],
        shaping: { dedup: { mode: 'near_patch', threshold: 0.9 }, cap: { k: 2, order: ['resolved', 'fewest_steps'] }, contamination: ['swe-bench-verified.instances'] },
      },
    });
  });

  it('leaves out shaping that is off', () => {
    const r = buildRequest({ ...EMPTY_FORM, name: 'x' });
    expect(r).toEqual({ req: { name: 'x', parent: null, rule: '', includes: [], excludes: [], shaping: { dedup: null, cap: null, contamination: [] } } });
    const e = buildRequest({ ...EMPTY_FORM, name: 'x', dedup: 'exact_patch', threshold: 'junk' });
    expect('req' in e && e.req.shaping.dedup).toEqual({ mode: 'exact_patch', threshold: null });
  });

  it('names each problem', () => {
    expect(buildRequest({ ...EMPTY_FORM })).toEqual({ error: 'the subset needs a name' });
    expect(buildRequest({ ...EMPTY_FORM, name: 'a b' })).toMatchObject({ error: expect.stringMatching(/no spaces/) });
    expect(buildRequest({ ...EMPTY_FORM, name: 'a', parent: 'x@y' })).toMatchObject({ error: expect.stringMatching(/parent/) });
    expect(buildRequest({ ...EMPTY_FORM, name: 'a', dedup: 'near_patch', threshold: '1.5' })).toMatchObject({ error: expect.stringMatching(/threshold/) });
    expect(buildRequest({ ...EMPTY_FORM, name: 'a', cap: true, capK: '0' })).toMatchObject({ error: expect.stringMatching(/cap '0'/) });
    expect(buildRequest({ ...EMPTY_FORM, name: 'a', cap: true, capOrder: 'resolved, shortest' })).toMatchObject({ error: expect.stringMatching(/'shortest'/) });
  });

  it('parses ids and version references', () => {
    expect(parseIds(' a,b\n\nc  a ')).toEqual(['a', 'b', 'c']);
    expect(parseRef('s')).toEqual({ subset: 's', version: null });
    expect(parseRef('s@12')).toEqual({ subset: 's', version: 12 });
    expect(parseRef('')).toBeNull();
  });

  it('puts the caret under the error column', () => {
    expect(caretLine('flag:loop (foo', 11)).toBe('          ^');
    expect(caretLine('ab', 9)).toBe('  ^');
    expect(caretLine('ab', 0)).toBe('^');
  });
});
