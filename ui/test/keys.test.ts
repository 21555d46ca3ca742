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

  it('maps the labelling keys in the trajectory view only', () => {
    for (const d of ['1', '5', '9']) expect(dispatchKey({ key: d }, 'trajectory', false)).toBe('labelPick');
    expect(dispatchKey({ key: '0' }, 'trajectory', false)).toBe('labelClear');
    expect(dispatchKey({ key: 'l' }, 'trajectory', false)).toBe('labelNextSet');
    expect(dispatchKey({ key: 'L' }, 'trajectory', false)).toBe('labelPrevSet');
    expect(dispatchKey({ key: 'Enter' }, 'trajectory', false)).toBe('labelNext');
    expect(dispatchKey({ key: 'u' }, 'trajectory', false)).toBe('labelUndo');
    expect(dispatchKey({ key: 'w' }, 'trajectory', false)).toBe('labelStep');
    expect(dispatchKey({ key: 'i' }, 'trajectory', false)).toBe('labelNote');
    // the list keeps Enter = open; digits mean nothing there
    expect(dispatchKey({ key: 'Enter' }, 'list', false)).toBe('open');
    expect(dispatchKey({ key: '1' }, 'list', false)).toBeNull();
    expect(dispatchKey({ key: 'q' }, 'list', false)).toBe('labelQueue');
    expect(dispatchKey({ key: 'q' }, 'trajectory', false)).toBeNull();
    // typing a digit in a field is typing
    expect(dispatchKey({ key: '1' }, 'trajectory', true)).toBeNull();
    // the existing trajectory keys are unchanged
    for (const [k, a] of [['j', 'nextStep'], ['k', 'prevStep'], ['J', 'nextTraj'], ['K', 'prevTraj'], ['n', 'nextHit'], ['N', 'prevHit'], ['e', 'expand'], ['d', 'toggleDiff'], ['t', 'toggleTheme'], ['/', 'focusSearch']] as const)
      expect(dispatchKey({ key: k }, 'trajectory', false)).toBe(a);
    // the curation views have the global keys
    expect(dispatchKey({ key: '?' }, 'review', false)).toBe('help');
    expect(dispatchKey({ key: '/' }, 'subsets', false)).toBe('focusSearch');
  });

  it('lists every labelling binding for the help overlay', () => {
    const actions = new Set(BINDINGS.map((b) => b.action));
    for (const a of ['labelPick', 'labelClear', 'labelNextSet', 'labelPrevSet', 'labelNext', 'labelUndo', 'labelStep', 'labelNote', 'labelQueue'] as const) expect(actions.has(a)).toBe(true);
    for (const b of BINDINGS) expect(b.help.length).toBeGreaterThan(5);
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
