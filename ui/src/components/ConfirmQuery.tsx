// Shown instead of a view when the URL carries a query the app did not make (a link from another
// page): the query is shown, and runs only when the user says so.

import { confirmCurrent, navigate } from '../state/router';

const SHOWN = 2000;

export function ConfirmQuery({ q }: { q: string }) {
  const long = q.length > SHOWN;
  return (
    <section className="confirm-query" data-testid="confirm-query" role="alertdialog" aria-labelledby="confirm-query-title">
      <h2 id="confirm-query-title">Run this query?</h2>
      <p className="muted">
        This link carries a query that was not made in this app (it came from another page or was typed in the address
        bar). Check it before running it.
      </p>
      <pre className="confirm-query-text" data-testid="confirm-query-text">
        {long ? `${q.slice(0, SHOWN)}…` : q}
      </pre>
      {long && <p className="muted small">{q.length.toLocaleString()} characters; the first {SHOWN} are shown.</p>}
      <div className="confirm-query-actions">
        <button type="button" className="primary" data-testid="confirm-query-run" onClick={confirmCurrent}>
          Run this query
        </button>
        <button type="button" data-testid="confirm-query-clear" onClick={() => navigate({ view: 'search', q: '', sort: 'relevance' })}>
          Clear it
        </button>
      </div>
    </section>
  );
}
