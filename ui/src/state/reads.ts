// The smaller read-only resources, one store each (see store.ts, Resource): a comparison of two
// trajectories, the charts of a query, the annotator, the database and its diagnostics, a source
// excerpt. Each view reads its own with `useStore(resource.at(args))`.

import { apiResource } from './store';

/** Two trajectories aligned (`compare`). */
export const comparison = apiResource('compare', { mount: true });

/** The charts of a query (`charts`): the charts shown stay until the new query's arrive. */
export const charts = apiResource('charts', { keep: true, mount: true });

/** The annotator labels are written as (`annotator`). */
export const annotator = apiResource('annotator', { mount: true });

/** A few lines of an input file around a diagnostic (`source_lines`). */
export const sourceExcerpt = apiResource('source_lines', { mount: true });
