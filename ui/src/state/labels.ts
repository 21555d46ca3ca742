// The labels of one trajectory (`labels_for`) as the label panel shows them: read from the
// server, changed on screen at once by a write (and put back when the write fails), then read
// again when the write landed. One store per trajectory; the panel reads it with useStore.

import { call } from '../api/client';
import type { TrajectoryLabels } from '../api/types';
import { Value } from './store';

export class LabelsStore extends Value<TrajectoryLabels | null> {
  constructor(readonly id: string) {
    super(null);
  }

  /** Reads the labels again; rejects as the request does (an aborted read changes nothing). */
  async reload(signal?: AbortSignal): Promise<void> {
    const l = await call('labels_for', { id: this.id }, signal);
    if (!signal?.aborted) this.set(l);
  }

  /** Changes the labels on screen (a write shown before it lands, or put back after it failed). */
  update = (f: (l: TrajectoryLabels | null) => TrajectoryLabels | null): void => {
    this.set(f(this.get()));
  };
}
