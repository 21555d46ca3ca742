// The label sets of the open database: a store fetched once per page (when a view first reads
// it) and shared by the label panel, the queue bar and the Review view. Defining a set (Review →
// Label sets) refetches them, so every mounted view shows a new set without a reload.

import { call } from '../api/client';
import type { LabelSetView } from '../api/types';
import { Value, type Loaded, type Store } from './store';

let setsPromise: Promise<LabelSetView[]> | null = null;
const value = new Value<Loaded<LabelSetView[]>>({ data: null, error: null });

/** The label sets (one request per page until a set is defined, or until a request failed). */
export function labelSets(): Promise<LabelSetView[]> {
  if (!setsPromise) {
    const p = call('label_sets', {});
    setsPromise = p;
    if (value.get().error !== null) value.set({ data: value.get().data, error: null });
    p.then(
      (data) => {
        if (setsPromise === p) value.set({ data, error: null });
      },
      (error) => {
        if (setsPromise !== p) return;
        setsPromise = null;
        value.set({ data: value.get().data, error });
      },
    );
  }
  return setsPromise;
}

/** The label sets as a store: reading it (useStore) fetches them when not fetched yet. */
export const labelSetStore: Store<Loaded<LabelSetView[]>> = {
  subscribe(listener) {
    labelSets().catch(() => {});
    return value.subscribe(listener);
  },
  get: value.get,
};

/** Forgets the cached sets; the next `labelSets()` asks the server, and the store gets the answer. */
export async function refreshLabelSets(): Promise<LabelSetView[]> {
  setsPromise = null;
  return labelSets();
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
