// The keyboard: App turns key events into actions (lib/keys.ts); the mounted view handles its own.

import { useEffect, useRef } from 'react';
import type { Action } from '../lib/keys';

/** Handles an action (`key` is the key pressed, e.g. the digit of `labelPick`); true when handled. */
type Handler = (a: Action, key: string) => boolean;

/** The mounted handlers: the view's, and those of panels inside it (the label panel). */
const handlers: Handler[] = [];

/** Registers an action handler of the current view or of a panel in it (returns true when it handled the action). */
export function useViewKeys(handler: Handler): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const h: Handler = (a, k) => ref.current(a, k);
    handlers.push(h);
    return () => {
      const i = handlers.indexOf(h);
      if (i >= 0) handlers.splice(i, 1);
    };
  }, []);
}

/** Offers an action to the mounted handlers, the latest registered first, until one takes it. */
export function toView(a: Action, key = ''): boolean {
  for (let i = handlers.length - 1; i >= 0; i--) if (handlers[i](a, key)) return true;
  return false;
}

/** Closes a popover when Esc is pressed anywhere (App sends `trawl:close-popovers`). */
export function useEscapeClose(open: boolean, close: () => void): void {
  const ref = useRef(close);
  ref.current = close;
  useEffect(() => {
    if (!open) return;
    const h = () => ref.current();
    document.addEventListener('trawl:close-popovers', h);
    return () => document.removeEventListener('trawl:close-popovers', h);
  }, [open]);
}
