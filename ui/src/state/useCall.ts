// The one hook for forms and one-off actions: it owns busy / error / result, so a component says
// what to call and shows `busy`, `error` (a sentence from errorText) and `result`.

import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../api/errors';

export interface CallState<A extends unknown[], T> {
  /** Runs the action; resolves with its result, or undefined when it failed (see `error`). */
  run: (...args: A) => Promise<T | undefined>;
  /** True while a run is in flight. */
  busy: boolean;
  /** The last run's failure as a sentence (errorText), or a message set with `fail`. */
  error: string | null;
  /** The last run's failure as thrown (an ApiError with its code and column), or null. */
  failure: unknown;
  /** The last successful run's result. */
  result: T | null;
  /** Shows a message as the error without running (a form's own check). */
  fail: (message: string) => void;
  /** Clears error and result. */
  reset: () => void;
}

/**
 * Wraps an action. A run clears the previous error and result (`keepResult`: the result stays
 * until a new one replaces it), sets busy until it settles, then holds the result or the error.
 * Answers that land after the component unmounted are dropped.
 */
export function useCall<A extends unknown[], T>(action: (...args: A) => Promise<T>, opts: { keepResult?: boolean } = {}): CallState<A, T> {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ error: string; raw: unknown } | null>(null);
  const [result, setResult] = useState<T | null>(null);
  const ref = useRef(action);
  ref.current = action;
  const keep = opts.keepResult ?? false;
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);
  const run = useCallback(async (...args: A): Promise<T | undefined> => {
    setFailure(null);
    if (!keep) setResult(null);
    setBusy(true);
    try {
      const r = await ref.current(...args);
      if (live.current) setResult(() => r);
      return r;
    } catch (e) {
      if (live.current) setFailure({ error: errorText(e), raw: e });
      return undefined;
    } finally {
      if (live.current) setBusy(false);
    }
  }, [keep]);
  const fail = useCallback(
    (message: string) => {
      if (!keep) setResult(null);
      setFailure({ error: message, raw: null });
    },
    [keep],
  );
  const reset = useCallback(() => {
    setFailure(null);
    setResult(null);
  }, []);
  return { run, busy, error: failure?.error ?? null, failure: failure?.raw ?? null, result, fail, reset };
}
