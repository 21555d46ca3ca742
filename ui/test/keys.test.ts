import { describe, expect, it } from 'vitest';
import { BINDINGS, dispatchKey } from '../src/lib/keys';

describe('keyboard map', () => {
  it('dispatches by context', () => {
    expect(dispatchKey({ key: 'j' }, 'list', false)).toBe('nextRow');
    expect(dispatchKey({ key: 'j' }, 'trajectory', false)).toBe('nextStep');
    expect(dispatchKey({ key: 'k' }, 'trajectory', false)).toBe('prevStep');
    expect(dispatchKey({ key: 'n' }, 'list', false)).toBe('nextRow');
    expect(dispatchKey({ key: 'p' }, 'list', false)).toBe('prevRow');
    expect(dispatchKey({ key: 'n' }, 'trajectory', false)).toBe('nextHit');
    expect(dispatchKey({ key: 'N' }, 'trajectory', false)).toBe('prevHit');
    expect(dispatchKey({ key: 'J' }, 'trajectory', false)).toBe('nextTraj');
    expect(dispatchKey({ key: 'K' }, 'trajectory', false)).toBe('prevTraj');
    expect(dispatchKey({ key: 'o' }, 'list', false)).toBe('open');
    expect(dispatchKey({ key: 'Enter' }, 'list', false)).toBe('open');
    expect(dispatchKey({ key: 'e' }, 'trajectory', false)).toBe('expand');
    expect(dispatchKey({ key: 'd' }, 'trajectory', false)).toBe('toggleDiff');
    expect(dispatchKey({ key: 'd' }, 'compare', false)).toBe('toggleDiff');
    expect(dispatchKey({ key: 'd' }, 'list', false)).toBeNull();
    expect(dispatchKey({ key: '/' }, 'stats', false)).toBe('focusSearch');
    expect(dispatchKey({ key: '?' }, 'library', false)).toBe('help');
  });

  it('ignores typing except Esc and Enter', () => {
    expect(dispatchKey({ key: 'j' }, 'list', true)).toBeNull();
    expect(dispatchKey({ key: '/' }, 'list', true)).toBeNull();
    expect(dispatchKey({ key: '?' }, 'list', true)).toBeNull();
    expect(dispatchKey({ key: 'Escape' }, 'list', true)).toBe('escape');
    expect(dispatchKey({ key: 'Enter' }, 'list', true)).toBe('submit');
  });

  it('leaves modified keys to the browser', () => {
    expect(dispatchKey({ key: 'j', ctrlKey: true }, 'trajectory', false)).toBeNull();
    expect(dispatchKey({ key: 'd', metaKey: true }, 'trajectory', false)).toBeNull();
    expect(dispatchKey({ key: 'Escape', ctrlKey: true }, 'trajectory', false)).toBe('escape');
  });

  it('has no two bindings of one key in one context', () => {
    const seen = new Map<string, string>();
    for (const b of BINDINGS) {
      for (const k of b.keys) {
        for (const c of b.contexts) {
          const key = `${c}:${k}`;
          const prev = seen.get(key);
          expect(prev === undefined || prev === b.action, `${key} bound to ${prev} and ${b.action}`).toBe(true);
          seen.set(key, b.action);
        }
      }
    }
  });
});
