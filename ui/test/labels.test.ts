import { describe, expect, it } from 'vitest';
import type { CurrentLabelView, LabelSetView } from '../src/api/types';
import {
  agreementBand,
  choices,
  cycle,
  distinctValues,
  formatValue,
  isChosen,
  labelledSteps,
  mine,
  others,
  pickValue,
  reviewableFlags,
  setsFor,
  stepMarks,
} from '../src/lib/labels';

const set = (name: string, kind: string, level: string, values: string[] = [], min: number | null = null, max: number | null = null): LabelSetView => ({
  name,
  kind,
  level,
  values,
  min,
  max,
  description: null,
});

const verdict = set('verdict', 'single', 'trajectory', ['keep', 'reject', 'unsure']);
const failure = set('failure_mode', 'multi', 'both', ['wrong_fix', 'incomplete_fix', 'loop']);
const quality = set('quality', 'rating', 'trajectory', [], 1, 5);
const note = set('note', 'text', 'both');
const review = set('flag_review', 'multi', 'trajectory', ['confirm:loop', 'dismiss:loop']);
const SETS = [verdict, failure, quality, note, review];

const cur = (annotator: string, setName: string, value: CurrentLabelView['value'], step: number | null = null): CurrentLabelView => ({
  annotator,
  set: setName,
  value,
  step,
  at: '2026-01-01T00:00:00Z',
});

describe('label sets and keys', () => {
  it('lists the sets of a target, without the flag review set', () => {
    expect(setsFor(SETS, { kind: 'trajectory' }).map((s) => s.name)).toEqual(['verdict', 'failure_mode', 'quality', 'note']);
    expect(setsFor(SETS, { kind: 'step', step: 3 }).map((s) => s.name)).toEqual(['failure_mode', 'note']);
  });

  it('numbers the choices 1–9, ratings from min to max', () => {
    expect(choices(verdict)).toEqual([
      { value: 'keep', key: 1 },
      { value: 'reject', key: 2 },
      { value: 'unsure', key: 3 },
    ]);
    expect(choices(quality).map((c) => [c.value, c.key])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
    const many = set('many', 'single', 'trajectory', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    expect(choices(many)[8].key).toBe(9);
    expect(choices(many)[9].key).toBeNull();
    expect(choices(note)).toEqual([]);
    const r0 = set('r0', 'rating', 'trajectory', [], 0, 2);
    expect(choices(r0).map((c) => c.value)).toEqual([0, 1, 2]);
  });

  it('maps a number key to the new value', () => {
    expect(pickValue(verdict, 2, undefined)).toBe('reject');
    expect(pickValue(verdict, 1, 'reject')).toBe('keep');
    expect(pickValue(verdict, 1, 'keep')).toBeNull(); // again: unpick
    expect(pickValue(verdict, 4, undefined)).toBeUndefined(); // no 4th value
    expect(pickValue(quality, 5, undefined)).toBe(5);
    expect(pickValue(quality, 6, undefined)).toBeUndefined();
    expect(pickValue(note, 1, 'x')).toBeUndefined();
  });

  it('toggles a multi-select value, keeping the schema order', () => {
    expect(pickValue(failure, 3, undefined)).toEqual(['loop']);
    expect(pickValue(failure, 1, ['loop'])).toEqual(['wrong_fix', 'loop']);
    expect(pickValue(failure, 3, ['wrong_fix', 'loop'])).toEqual(['wrong_fix']);
    expect(pickValue(failure, 1, ['wrong_fix'])).toEqual([]);
    expect(isChosen(['loop'], 'loop')).toBe(true);
    expect(isChosen('keep', 'keep')).toBe(true);
    expect(isChosen(4, 3)).toBe(false);
  });

  it('cycles the active set both ways', () => {
    expect(cycle(4, 0, 1)).toBe(1);
    expect(cycle(4, 3, 1)).toBe(0);
    expect(cycle(4, 0, -1)).toBe(3);
    expect(cycle(0, 0, 1)).toBe(0);
  });
});

describe('whose value', () => {
  const current = [
    cur('alice', 'verdict', 'keep'),
    cur('bob', 'verdict', 'reject'),
    cur('adjudicator:carol', 'verdict', 'keep'),
    cur('alice', 'failure_mode', ['loop'], 4),
    cur('bob', 'note', 'odd', 7),
  ];
  it('separates mine from the others, per target', () => {
    expect(mine(current, 'alice', 'verdict', { kind: 'trajectory' })).toBe('keep');
    expect(mine(current, 'alice', 'failure_mode', { kind: 'trajectory' })).toBeUndefined();
    expect(mine(current, 'alice', 'failure_mode', { kind: 'step', step: 4 })).toEqual(['loop']);
    expect(others(current, 'alice', 'verdict', { kind: 'trajectory' }).map((c) => c.annotator)).toEqual(['bob', 'adjudicator:carol']);
    expect(labelledSteps(current)).toEqual([4, 7]);
  });

  it('marks each labelled step with its failure modes first, then its other labels', () => {
    const current = [
      cur('alice', 'verdict', 'keep'),
      cur('alice', 'note', 'ran the wrong test', 7),
      cur('alice', 'failure_mode', ['loop', 'wrong_fix'], 7),
      cur('bob', 'failure_mode', ['loop', 'wrong_fix'], 7),
      cur('bob', 'failure_mode', ['tool_misuse'], 2),
      cur('carol', 'failure_mode', [], 3),
    ];
    const m = stepMarks(current);
    expect([...m.keys()]).toEqual([2, 7]);
    expect(m.get(2)).toBe('tool_misuse');
    // the same value from two annotators reads once; notes follow the failure modes
    expect(m.get(7)).toBe('loop, wrong_fix · note: ran the wrong test');
    expect(stepMarks([cur('alice', 'verdict', 'keep')]).size).toBe(0);
  });

  it('formats values as text', () => {
    expect(formatValue(['a', 'b'])).toBe('a, b');
    expect(formatValue([])).toBe('–');
    expect(formatValue(null)).toBe('–');
    expect(formatValue(3)).toBe('3');
  });

  it('shows flags set by the engine or decided by someone', () => {
    const flags: { flag: string; set_by_engine: boolean; decisions: Record<string, string> }[] = [
      { flag: 'loop', set_by_engine: true, decisions: {} },
      { flag: 'ran_tests', set_by_engine: false, decisions: { bob: 'dismiss' } },
      { flag: 'no_finish', set_by_engine: false, decisions: {} },
    ];
    expect(reviewableFlags(flags).map((f) => f.flag)).toEqual(['loop', 'ran_tests']);
  });
});

describe('agreement helpers', () => {
  it('names the coefficient bands', () => {
    expect(agreementBand(null)).toBe('undefined');
    expect(agreementBand(-0.1)).toBe('worse than chance');
    expect(agreementBand(0.15)).toBe('slight');
    expect(agreementBand(0.5)).toBe('moderate');
    expect(agreementBand(0.75)).toBe('substantial');
    expect(agreementBand(0.95)).toBe('almost perfect');
  });
  it('lists distinct proposed values', () => {
    expect(distinctValues({ a: 'keep', b: 'reject', c: 'keep' })).toEqual(['keep', 'reject']);
    expect(distinctValues({ a: ['x', 'y'], b: ['x', 'y'], c: ['x'] })).toEqual([['x', 'y'], ['x']]);
  });
});
