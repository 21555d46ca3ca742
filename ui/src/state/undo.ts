// This tab's label writes, newest last, so `u` undoes exactly the newest one (a key press in the
// label panel or a bulk label from the explorer) and can go back to the trajectory it touched.

export interface Write {
  /** The batch `undo` takes. */
  batch: string;
  /** The trajectory written, or null for a bulk label. */
  id: string | null;
  /** What it did, in words (`verdict = keep on step 3`). */
  what: string;
}

const writes: Write[] = [];

/** Records a write. */
export function pushWrite(w: Write): void {
  writes.push(w);
}

/** The newest write not undone yet, or null. */
export function lastWrite(): Write | null {
  return writes[writes.length - 1] ?? null;
}

/** Forgets a write (after it was undone). */
export function dropWrite(batch: string): void {
  const i = writes.findIndex((w) => w.batch === batch);
  if (i >= 0) writes.splice(i, 1);
}
