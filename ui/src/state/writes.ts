// Writes the server did not confirm (a label, a note, a flag review, a bulk label, a subset save):
// each is kept here until the annotator retries or dismisses it, and the banner at the top of the
// app (components/WriteBanner.tsx) names every one, so a lost write is never silent.

import { errorText } from '../api/errors';
import type { Store } from './store';

export interface LostWrite {
  /** Unique within this tab. */
  readonly key: number;
  /** What was not saved, e.g. `verdict = reject on 3f2a…`. */
  readonly what: string;
  /** Why, as a sentence. */
  readonly why: string;
  /** Sends the write again (resolves when it landed, rejects when it failed again). */
  readonly retry?: () => Promise<unknown>;
}

let lost: LostWrite[] = [];
let next = 1;
const listeners = new Set<() => void>();

function changed() {
  for (const l of listeners) l();
}

/** Records a write that was not saved; returns its key. A write with the same `what` replaces the older entry. */
export function reportLost(what: string, error: unknown, retry?: () => Promise<unknown>): number {
  const key = next++;
  lost = [...lost.filter((w) => w.what !== what), { key, what, why: errorText(error), retry }];
  changed();
  return key;
}

/** Forgets a lost write (dismissed, or saved by a retry). */
export function dismissLost(key: number) {
  lost = lost.filter((w) => w.key !== key);
  changed();
}

/** Sends a lost write again: gone from the list when it lands, updated with the new reason when it fails. */
export async function retryLost(key: number): Promise<boolean> {
  const w = lost.find((x) => x.key === key);
  if (!w?.retry) return false;
  try {
    await w.retry();
    dismissLost(key);
    return true;
  } catch (e) {
    lost = lost.map((x) => (x.key === key ? { ...x, why: errorText(e) } : x));
    changed();
    return false;
  }
}

/** The current lost writes (oldest first). */
export function lostWrites(): readonly LostWrite[] {
  return lost;
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The lost writes as a store (read with useStore). */
export const lostWriteStore: Store<readonly LostWrite[]> = { subscribe, get: lostWrites };
