// "Compare with…": the other trajectories of the same base instance, each a link to the compare view.

import { useState } from 'react';
import { call } from '../../api/client';
import { errorText } from '../../api/errors';
import type { SearchHit, TrajectoryMeta } from '../../api/types';
import { formatFilter } from '../../lib/query';
import { encodeRoute } from '../../lib/url';
import { useEscapeClose } from '../../state/keyhub';
import { Resource, constant, useStore, type Loaded } from '../../state/store';

/** Other trajectories of a base instance (its samples too); never a prediction record, never `id` itself. */
const others = new Resource<{ id: string; base: string }, SearchHit[]>(({ id, base }, signal) =>
  call('search', { query: `kind:trajectory ${formatFilter('base', base)}`, limit: 100, offset: 0, sort: null, snippets: false }, signal).then((r) =>
    r.hits.filter((h) => h.id !== id && h.kind === 'trajectory'),
  ),
);

const NOTHING = constant<Loaded<SearchHit[]>>({ data: null, error: null });

export function CompareWith({ meta, q }: { meta: TrajectoryMeta; q: string }) {
  const [open, setOpen] = useState(false);
  useEscapeClose(open, () => setOpen(false));
  const base = meta.base_instance ?? meta.instance_id;
  const found = useStore(open && base ? others.at({ id: meta.id, base }) : NOTHING);
  const list = found.data;
  const err = found.error === null ? null : errorText(found.error);
  if (!meta.instance_id || meta.kind !== 'trajectory') return null;
  return (
    <div className="compare-with">
      <button type="button" data-testid="compare-with" onClick={() => setOpen(!open)} aria-expanded={open}>
        Compare with…
      </button>
      {open && (
        <div className="popover" data-testid="compare-menu">
          {err && <p className="error small">{err}</p>}
          {list === null && !err && <p className="muted small">looking for other trajectories of this instance…</p>}
          {list !== null && list.length === 0 && (
            <p className="muted small">no other trajectory of {meta.base_instance ?? meta.instance_id}</p>
          )}
          <ul>
            {list?.map((h) => (
              <li key={h.id}>
                <a href={encodeRoute({ view: 'compare', a: meta.id, b: h.id, q })} data-testid="compare-option" data-id={h.id}>
                  <span className="mono">{h.id.slice(0, 12)}</span> {h.model ?? h.format} · {h.steps} steps ·{' '}
                  {h.resolved === null ? 'unknown' : h.resolved ? 'resolved' : 'not resolved'}
                </a>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
