// The keyboard map: one table, used both to dispatch keys and to show every binding (`?`).

export type Action =
  | 'focusSearch'
  | 'nextStep'
  | 'prevStep'
  | 'nextRow'
  | 'prevRow'
  | 'nextTraj'
  | 'prevTraj'
  | 'open'
  | 'expand'
  | 'toggleDiff'
  | 'nextHit'
  | 'prevHit'
  | 'help'
  | 'toggleTheme'
  | 'escape'
  | 'submit'
  // labelling (components/LabelPanel.tsx)
  | 'labelPick'
  | 'labelClear'
  | 'labelNextSet'
  | 'labelPrevSet'
  | 'labelNext'
  | 'labelUndo'
  | 'labelStep'
  | 'labelNote'
  | 'labelQueue';

/** Where the key was pressed: the current view. */
export type KeyContext = 'list' | 'trajectory' | 'compare' | 'stats' | 'library' | 'review' | 'subsets';

export interface Binding {
  keys: string[];
  action: Action;
  contexts: KeyContext[];
  help: string;
}

/** Every context (a binding in all of them is listed as `everywhere`). */
export const ALL: KeyContext[] = ['list', 'trajectory', 'compare', 'stats', 'library', 'review', 'subsets'];

/** The number keys that pick a value of the active label set. */
export const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Every binding, in the order the help overlay lists them. Earlier entries win. */
export const BINDINGS: Binding[] = [
  { keys: ['/'], action: 'focusSearch', contexts: ALL, help: 'focus the search box' },
  { keys: ['j', 'n'], action: 'nextRow', contexts: ['list'], help: 'next result' },
  { keys: ['k', 'p'], action: 'prevRow', contexts: ['list'], help: 'previous result' },
  { keys: ['J'], action: 'nextRow', contexts: ['list'], help: 'next result' },
  { keys: ['K'], action: 'prevRow', contexts: ['list'], help: 'previous result' },
  { keys: ['o', 'Enter'], action: 'open', contexts: ['list'], help: 'open the selected trajectory' },
  { keys: ['q'], action: 'labelQueue', contexts: ['list'], help: 'label these results: start a queue, or label them all' },
  { keys: ['j'], action: 'nextStep', contexts: ['trajectory'], help: 'next step' },
  { keys: ['k'], action: 'prevStep', contexts: ['trajectory'], help: 'previous step' },
  { keys: ['J'], action: 'nextTraj', contexts: ['trajectory'], help: 'next trajectory of the result list' },
  { keys: ['K'], action: 'prevTraj', contexts: ['trajectory'], help: 'previous trajectory of the result list' },
  { keys: ['e'], action: 'expand', contexts: ['trajectory'], help: "expand / collapse the focused step's observations" },
  { keys: ['n'], action: 'nextHit', contexts: ['trajectory'], help: 'next search hit' },
  { keys: ['N'], action: 'prevHit', contexts: ['trajectory'], help: 'previous search hit' },
  { keys: DIGITS, action: 'labelPick', contexts: ['trajectory'], help: 'label: pick value N of the active label set (again: unpick)' },
  { keys: ['0'], action: 'labelClear', contexts: ['trajectory'], help: "label: clear the active set's value" },
  { keys: ['l'], action: 'labelNextSet', contexts: ['trajectory'], help: 'label: next label set' },
  { keys: ['L'], action: 'labelPrevSet', contexts: ['trajectory'], help: 'label: previous label set' },
  { keys: ['Enter'], action: 'labelNext', contexts: ['trajectory'], help: 'label: save and go to the next trajectory of the queue' },
  { keys: ['u'], action: 'labelUndo', contexts: ['trajectory'], help: 'label: undo the last label write' },
  { keys: ['w'], action: 'labelStep', contexts: ['trajectory'], help: 'label: the focused step is where it went wrong (label it / back)' },
  { keys: ['i'], action: 'labelNote', contexts: ['trajectory'], help: 'label: write a note (Esc saves)' },
  { keys: ['d'], action: 'toggleDiff', contexts: ['trajectory', 'compare'], help: 'unified / side-by-side diffs' },
  { keys: ['t'], action: 'toggleTheme', contexts: ALL, help: 'light / dark theme' },
  { keys: ['?'], action: 'help', contexts: ALL, help: 'show every key binding' },
  { keys: ['Escape'], action: 'escape', contexts: ALL, help: 'close overlays; back to the list' },
];

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/**
 * The action of a key in a context. While typing in an input only Escape and Enter act (Enter as
 * `submit`: the input decides what it means); keys with Ctrl, Meta or Alt are the browser's.
 */
export function dispatchKey(e: KeyLike, ctx: KeyContext, typing: boolean): Action | null {
  if (e.key === 'Escape' || e.key === 'Esc') return 'escape';
  if (typing) return e.key === 'Enter' ? 'submit' : null;
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  for (const b of BINDINGS) {
    if (b.keys.includes(e.key) && b.contexts.includes(ctx)) return b.action;
  }
  return null;
}

/** True when an event target is a text field (keys there are typing). */
export function isTypingTarget(t: EventTarget | null): boolean {
  if (!t || typeof (t as Element).tagName !== 'string') return false;
  const el = t as HTMLElement;
  const tag = el.tagName.toLowerCase();
  if (tag === 'textarea' || tag === 'select') return true;
  if (tag === 'input') {
    const type = ((el as HTMLInputElement).type || 'text').toLowerCase();
    return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color'].includes(type);
  }
  return el.isContentEditable === true;
}
