// The one error formatter: every failure the UI shows (a write that did not land, a search that
// failed, a view that could not load) reads as a sentence that says what to do. A transport
// failure names the address Trawl was expected at; a 401 says the access token is missing or
// wrong; an answer that is not Trawl's JSON names its HTTP status. The client builds its errors
// with the helpers here, and views show `errorText(e)`, never `String(e)`.

import type { ErrorBody } from './types';

/** Where the page expects Trawl (`127.0.0.1:7878`), or null outside a browser page. */
function currentHost(): string | null {
  if (typeof window === 'undefined' || !window.location) return null;
  return window.location.host || null;
}

/** The sentence for a request that never reached Trawl (the server stopped, the network gone). */
export function unreachableText(host: string | null = currentHost()): string {
  return host
    ? `Trawl is not reachable at ${host} — is \`trawl serve\` still running?`
    : 'Trawl is not reachable — is `trawl serve` still running?';
}

/** The sentence for a refused token (HTTP 401). */
export const UNAUTHORIZED_TEXT =
  'Trawl refused the request: the access token is missing or wrong — open the address `trawl serve` printed (it carries ?token=…) again.';

/** The error body of an HTTP answer that is not a Trawl error body. */
export function httpErrorBody(status: number, text: string): ErrorBody {
  if (status === 401) return { code: 'unauthorized', message: UNAUTHORIZED_TEXT, column: null };
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return { code: 'internal', message: `Trawl answered HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`, column: null };
}

/** The error body of a request that failed before any answer (fetch threw). */
export function transportErrorBody(): ErrorBody {
  return { code: 'internal', message: unreachableText(), column: null };
}

/** True for the TypeError `fetch` throws when nothing answers (Chromium, Firefox, Safari wording). */
export function isNetworkFailure(e: unknown): boolean {
  return e instanceof TypeError && /failed to fetch|networkerror|load failed|network request failed/i.test(e.message);
}

function isApiError(e: unknown): e is { name: string; code: string; message: string } {
  return e instanceof Error && e.name === 'ApiError' && 'code' in e;
}

/** The sentence to show for any error the UI caught. */
export function errorText(e: unknown): string {
  if (isApiError(e)) {
    if (e.code === 'unauthorized') return UNAUTHORIZED_TEXT;
    return e.message;
  }
  if (isNetworkFailure(e)) return unreachableText();
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}
