import { describe, expect, it } from 'vitest';
import { barFilter, bucketLabel, queryForBar, rate } from '../src/lib/charts';

describe('chart bar to query', () => {
  it('maps each chart to its filter (PROTOCOL.md)', () => {
    expect(barFilter({ chart: 'steps', lo: 10, hi: 19 })).toBe('steps:10..19');
    expect(barFilter({ chart: 'steps', lo: 5, hi: 5 })).toBe('steps:5');
    expect(barFilter({ chart: 'patch_lines', lo: 0, hi: 9 })).toBe('patch_lines:0..9');
    expect(barFilter({ chart: 'repo', key: 'django/django' })).toBe('repo:"django/django"');
    expect(barFilter({ chart: 'dataset', key: 'SWE-Gym/SWE-Gym' })).toBe('dataset:"SWE-Gym/SWE-Gym"');
    expect(barFilter({ chart: 'tool', key: 'execute_bash' })).toBe('tool:execute_bash');
    expect(barFilter({ chart: 'repo', key: 'a/b', flag: 'loop' })).toBe('repo:"a/b" flag:loop');
    expect(barFilter({ chart: 'tokens', lo: 0, hi: 100 })).toBeNull();
    expect(barFilter({ chart: 'repo', key: '(none)' })).toBeNull();
  });

  it('ANDs the filter onto the current query', () => {
    expect(queryForBar('', { chart: 'steps', lo: 1, hi: 9 })).toBe('steps:1..9');
    expect(queryForBar('pytest', { chart: 'repo', key: 'x/y' })).toBe('pytest repo:"x/y"');
    expect(queryForBar('a OR b', { chart: 'tool', key: 'think' })).toBe('(a OR b) tool:think');
    expect(queryForBar('a', { chart: 'tokens', lo: 1, hi: 2 })).toBeNull();
  });

  it('labels buckets and computes rates', () => {
    expect(bucketLabel(0, 9)).toBe('0–9');
    expect(bucketLabel(3, 3)).toBe('3');
    expect(bucketLabel(100000, 149999)).toBe('100k–150k');
    expect(bucketLabel(2500000, 2500000)).toBe('2.5M');
    expect(rate(1, 3)).toBe(33.3);
    expect(rate(0, 0)).toBe(0);
  });
});
