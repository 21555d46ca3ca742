// Debouncing the search box: a burst of keys commits once, after the typing pauses, and the same
// text is never committed twice in a row (so an unchanged, invalid query is not asked again).

export interface Debouncer {
  /** Commits `value` after `ms` without another schedule. */
  schedule(value: string): void;
  /** Commits `value` now (Enter), cancelling a scheduled commit. */
  flush(value: string): void;
  /** Cancels a scheduled commit. */
  cancel(): void;
  /** Records the value shown from elsewhere (the URL), so it is not committed back. */
  reset(value: string): void;
}

export function debouncer(ms: number, commit: (value: string) => void, initial = ''): Debouncer {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let committed = initial;
  const cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  const flush = (value: string) => {
    cancel();
    if (value !== committed) {
      committed = value;
      commit(value);
    }
  };
  return {
    schedule(value) {
      cancel();
      timer = setTimeout(() => flush(value), ms);
    },
    flush,
    cancel,
    reset(value) {
      committed = value;
    },
  };
}
