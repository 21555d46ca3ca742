// The smaller read-only resources, one store each (see store.ts, Resource): a comparison of two
// trajectories, the charts of a query, the annotator, a source excerpt, the agreement of label
// sets. Each view reads its own with `useStore(resource.at(args))`.

import { call } from '../api/client';
import { errorText } from '../api/errors';
import type { AgreementResponse } from '../api/types';
import { Resource, apiResource } from './store';

/** Two trajectories aligned (`compare`). */
export const comparison = apiResource('compare', { mount: true });

/** The charts of a query (`charts`): the charts shown stay until the new query's arrive. */
export const charts = apiResource('charts', { keep: true, mount: true });

/** The annotator labels are written as (`annotator`). */
export const annotator = apiResource('annotator', { mount: true });

/** A few lines of an input file around a diagnostic (`source_lines`). */
export const sourceExcerpt = apiResource('source_lines', { mount: true });

/** Agreement of each label set among the annotators (all with labels when none named): the answer, or why not, per set. */
export const agreements = new Resource<{ sets: string[]; annotators: string[] }, Record<string, AgreementResponse | string>>(
  async ({ sets, annotators }) => {
    const out: Record<string, AgreementResponse | string> = {};
    await Promise.all(
      sets.map(async (s) => {
        try {
          out[s] = await call('agreement', { set: s, annotators });
        } catch (e) {
          out[s] = errorText(e);
        }
      }),
    );
    return out;
  },
  { keep: true, mount: true },
);
