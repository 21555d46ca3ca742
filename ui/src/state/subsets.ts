// The subsets stores: the list of subsets and their versions, one version's members (a page), its
// lineage funnel, and the contamination lists the form offers. Each is asked again whenever a view
// comes to show it (a version named without its number is the latest one); the lists are also
// refreshed after a save.

import { apiResource } from './store';

/** Every subset with its versions (`subsets`). */
export const subsetList = apiResource('subsets', { mount: true });

/** One page of a version's members (`subset_show`); the page shown stays until the next one lands. */
export const subsetShow = apiResource('subset_show', { keep: (a, b) => a.name === b.name && a.version === b.version, mount: true });

/** A version's funnel from the whole database (`subset_lineage`). */
export const subsetLineage = apiResource('subset_lineage', { mount: true });

/** The contamination lists (`contamination_lists`). */
export const contaminationLists = apiResource('contamination_lists', { mount: true });
