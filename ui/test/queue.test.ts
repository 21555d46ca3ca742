import { describe, expect, it } from 'vitest';
import { appendPage, describe as describeQueue, nextId, nextOffset, prevId, progress, queueRequest, specError, type QueueSpec } from '../src/lib/queue';

const spec = (p: Partial<QueueSpec> = {}): QueueSpec => ({ query: 'flag:loop', kind: 'unlabelled', set: 'verdict', n: null, seed: null, ...p });

describe('labelling queue', () => {
  it('walks the ids in order and resumes at the first from elsewhere', () => {
    const ids = ['a', 'b', 'c'];
    expect(nextId(ids, 'a')).toBe('b');
    expect(nextId(ids, 'c')).toBeNull();
    expect(nextId(ids, 'zz')).toBe('a');
    expect(nextId(ids, null)).toBe('a');
    expect(nextId([], null)).toBeNull();
    expect(prevId(ids, 'b')).toBe('a');
    expect(prevId(ids, 'a')).toBeNull();
  });

  it('pages an unlabelled queue past the skipped ids, the others past the fetched ones', () => {
    expect(nextOffset('unlabelled', 500, 3)).toBe(3);
    expect(nextOffset('all', 500, 3)).toBe(500);
    expect(nextOffset('flagged_first', 1000, 0)).toBe(1000);
    expect(appendPage(['a', 'b'], ['b', 'c', 'd'])).toEqual(['a', 'b', 'c', 'd']);
  });

  it('counts progress, clamped', () => {
    expect(progress(3, 40)).toEqual({ text: '3 / 40', frac: 3 / 40 });
    expect(progress(0, 0)).toEqual({ text: '0 / 0', frac: 0 });
    expect(progress(50, 40).frac).toBe(1);
    expect(progress(1234, 5000).text).toBe('1,234 / 5,000');
  });

  it('builds the request and names what is wrong', () => {
    expect(queueRequest(spec(), 0, 500)).toEqual({ query: 'flag:loop', kind: 'unlabelled', set: 'verdict', n: null, seed: null, offset: 0, limit: 500 });
    expect(queueRequest(spec({ kind: 'sample', n: 20, seed: null }), 0, 500)).toMatchObject({ kind: 'sample', n: 20, seed: 0 });
    // n and seed only travel with a sample
    expect(queueRequest(spec({ kind: 'all', n: 20, seed: 4 }), 0, null)).toMatchObject({ n: null, seed: null, limit: null });
    expect(specError(spec())).toBeNull();
    expect(specError(spec({ kind: 'sample', n: null }))).toMatch(/needs N/);
    expect(specError(spec({ kind: 'sample', n: 0 }))).toMatch(/needs N/);
    expect(specError(spec({ kind: 'sample', n: 5, seed: 7 }))).toBeNull();
    expect(specError(spec({ set: '' }))).toMatch(/label set/);
  });

  it('describes itself in one line', () => {
    expect(describeQueue(spec())).toBe('unlabelled in query in flag:loop · verdict');
    expect(describeQueue(spec({ kind: 'sample', n: 20, seed: 3, query: '' }))).toBe('sample of 20 (seed 3) in everything · verdict');
  });
});
