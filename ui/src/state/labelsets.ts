// The label sets of the open database, fetched once per page and shared by the label panel, the
// queue bar and the Review view. Defining a set (Review → Label sets) refetches them and tells
// every mounted view, so the label panel shows a new set without a reload.

import { call } from '../api/client';
import type { LabelSetView } from '../api/types';

let setsPromise: Promise<LabelSetView[]> | null = null;
const listeners = new Set<(sets: LabelSetView[]) => void>();

/** The label sets (one request per page until a set is defined). */
export function labelSets(): Promise<LabelSetView[]> {
  if (!setsPromise) {
    const p = call('label_sets', {});
    setsPromise = p;
    p.catch(() => {
      if (setsPromise === p) setsPromise = null;
    });
  }
  return setsPromise;
}

/** Forgets the cached sets; the next `labelSets()` asks the server, and listeners get the answer. */
export async function refreshLabelSets(): Promise<LabelSetView[]> {
  setsPromise = null;
  const sets = await labelSets();
  for (const l of listeners) l(sets);
  return sets;
}

/** Calls `fn` with the new sets whenever they change; returns the unsubscribe. */
export function onLabelSets(fn: (sets: LabelSetView[]) => void): () => void {
  listeners.add(fn);
  return () => {
    listeners.delete(fn);
  };
}

/**
 * Creates or replaces a label set (`define_label_set`, which validates it: an `ApiError` with the
 * server's message otherwise), then refreshes every view's sets. Returns the set as stored.
 */
export async function defineLabelSet(set: LabelSetView): Promise<LabelSetView> {
  const stored = await call('define_label_set', set);
  await refreshLabelSets();
  return stored;
}
