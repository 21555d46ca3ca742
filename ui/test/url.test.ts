import { describe, expect, it } from 'vitest';
import { decodeRoute, encodeRoute, nextSort, type Route } from '../src/lib/url';

describe('url state', () => {
  it('round-trips every view', () => {
    const routes: Route[] = [
      { view: 'search', q: 'repo:"django/django" flag:loop "max depth" & ?#/', sort: 'steps_desc' },
      { view: 'search', q: '', sort: 'relevance' },
      { view: 'trajectory', id: 'tabc123', q: 'pytest', sort: 'relevance', step: 7 },
      { view: 'trajectory', id: 'a/b?c#d', q: '', sort: 'repo_asc', step: null },
      { view: 'compare', a: 't1', b: 't2', q: 'x y' },
      { view: 'stats', q: 'dataset:"SWE-Gym/SWE-Gym"' },
      { view: 'library' },
      { view: 'review', set: 'verdict' },
      { view: 'review', set: 'quality' },
      { view: 'subsets', name: null, version: null },
      { view: 'subsets', name: 'clean', version: null },
      { view: 'subsets', name: 'clean-v', version: 3 },
    ];
    for (const r of routes) expect(decodeRoute(encodeRoute(r))).toEqual(r);
  });

  it('encodes the documented shapes', () => {
    expect(encodeRoute({ view: 'search', q: 'a b', sort: 'steps_asc' })).toBe('#/search?q=a+b&sort=steps_asc');
    expect(encodeRoute({ view: 'search', q: '', sort: 'relevance' })).toBe('#/search');
    expect(encodeRoute({ view: 'trajectory', id: 't1', q: 'x', sort: 'relevance', step: null })).toBe('#/t/t1?q=x');
    expect(encodeRoute({ view: 'compare', a: 'a', b: 'b', q: '' })).toBe('#/compare/a/b');
    expect(encodeRoute({ view: 'stats', q: 'repo:"x"' })).toBe('#/stats?q=repo%3A%22x%22');
    expect(encodeRoute({ view: 'library' })).toBe('#/library');
    expect(encodeRoute({ view: 'review', set: 'verdict' })).toBe('#/review');
    expect(encodeRoute({ view: 'review', set: 'quality' })).toBe('#/review?set=quality');
    expect(encodeRoute({ view: 'subsets', name: 'a', version: 2 })).toBe('#/subsets?name=a&v=2');
    expect(decodeRoute('#/subsets?v=2')).toEqual({ view: 'subsets', name: null, version: null });
    expect(decodeRoute('#/subsets?name=a&v=x')).toEqual({ view: 'subsets', name: 'a', version: null });
  });

  it('decodes unknown, empty and hand-written hashes to a sane view', () => {
    expect(decodeRoute('')).toEqual({ view: 'search', q: '', sort: 'relevance' });
    expect(decodeRoute('#/nowhere')).toEqual({ view: 'search', q: '', sort: 'relevance' });
    expect(decodeRoute('#/search?q=hello%20world&sort=bogus')).toEqual({ view: 'search', q: 'hello world', sort: 'relevance' });
    expect(decodeRoute('#/t/')).toEqual({ view: 'search', q: '', sort: 'relevance' });
    expect(decodeRoute('#/t/x?step=abc')).toMatchObject({ view: 'trajectory', id: 'x', step: null });
    expect(decodeRoute('#/t/%E0%A4%A')).toMatchObject({ view: 'trajectory', id: '%E0%A4%A' });
    expect(decodeRoute('#/compare/a')).toEqual({ view: 'search', q: '', sort: 'relevance' });
  });

  it('cycles a column sort: first direction, other direction, relevance', () => {
    expect(nextSort('relevance', 'steps')).toBe('steps_desc');
    expect(nextSort('steps_desc', 'steps')).toBe('steps_asc');
    expect(nextSort('steps_asc', 'steps')).toBe('relevance');
    expect(nextSort('steps_asc', 'repo')).toBe('repo_asc');
    expect(nextSort('repo_asc', 'repo')).toBe('repo_desc');
  });
});
