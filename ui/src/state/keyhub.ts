// The keyboard: App turns key events into actions (lib/keys.ts); the mounted view handles its own.

import { useEffect, useRef } from 'react';
import type { Action } from '../lib/keys';

type Handler = (a: Action) => boolean;

let viewHandler: Handler | null = null;

/** Registers the current view's action handler (returns true when it handled the action). */
export function useViewKeys(handler: Handler): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const h: Handler = (a) => ref.current(a);
    viewHandler = h;
    return () => {
      if (viewHandler === h) viewHandler = null;
    };
  }, []);
}

/** Offers an action to the current view. */
export function toView(a: Action): boolean {
  return viewHandler ? viewHandler(a) : false;
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
