// The one way the UI talks to Trawl: `{method, params}` over HTTP (`POST /api`, `trawl serve`)
// or over Tauri IPC (`invoke('api', {request})`). Both answer with the result or an ErrorBody.

import { httpErrorBody, transportErrorBody } from './errors';
import type { ErrorBody, ErrorCode, Method, Methods } from './types';

/** An error answered by the API (or a transport failure, as `internal`). */
export class ApiError extends Error {
  readonly code: ErrorCode;
  /** 1-based column of a query syntax error. */
  readonly column: number | null;

  constructor(body: ErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.code = body.code;
    this.column = body.column ?? null;
  }
}

/** True when an error is an aborted (superseded) request: never shown. */
export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

const TOKEN_KEY = 'trawl_token';

/** True inside the Tauri webview. */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/**
 * Takes `?token=` from the page URL into sessionStorage and removes it from the address bar (the
 * history entry is replaced), so a bookmarked or shared view, the history and any Referer never
 * carry the token. The token is only ever sent in the `Authorization` header: no cookie carries
 * authority. True when the URL carried a token.
 */
export function captureToken(): boolean {
  if (typeof window === 'undefined') return false;
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token) {
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      // storage disabled: the cookie still authenticates
    }
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return true;
  }
  return false;
}

function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function asErrorBody(v: unknown, fallback: string): ErrorBody {
  if (v && typeof v === 'object' && 'code' in v && 'message' in v) {
    const o = v as { code: unknown; message: unknown; column?: unknown };
    return {
      code: String(o.code) as ErrorCode,
      message: String(o.message),
      column: typeof o.column === 'number' ? o.column : null,
    };
  }
  if (typeof v === 'string') return { code: 'internal', message: v, column: null };
  return { code: 'internal', message: fallback, column: null };
}

async function viaHttp(method: Method, params: unknown, signal?: AbortSignal): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = storedToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch('/api', {
      method: 'POST',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      headers,
      body: JSON.stringify({ method, params }),
      signal,
    });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new ApiError(transportErrorBody());
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const isBody = body !== null && typeof body === 'object' && 'code' in body && 'message' in body;
    throw new ApiError(isBody && res.status !== 401 ? asErrorBody(body, text) : httpErrorBody(res.status, text));
  }
  return body;
}

async function viaTauri(method: Method, params: unknown): Promise<unknown> {
  const { invoke } = await import('@tauri-apps/api/core');
  try {
    return await invoke('api', { request: { method, params } });
  } catch (e) {
    throw new ApiError(asErrorBody(e, String(e)));
  }
}

/**
 * Calls one API method. With a signal, an aborted call rejects with an AbortError (HTTP) or its
 * answer is dropped (Tauri cannot cancel an invoke; the caller's generation check ignores it).
 */
export async function call<M extends Method>(
  method: M,
  params: Methods[M][0],
  signal?: AbortSignal,
): Promise<Methods[M][1]> {
  const result = inTauri() ? await viaTauri(method, params) : await viaHttp(method, params, signal);
  if (signal?.aborted) throw new DOMException('superseded', 'AbortError');
  return result as Methods[M][1];
}

/** Calls `handler` with the id of each desktop menu item chosen (Tauri `menu` events); a no-op in a browser. */
export function onDesktopMenu(handler: (id: string) => void): () => void {
  if (!inTauri()) return () => {};
  let unlisten: (() => void) | null = null;
  let stopped = false;
  import('@tauri-apps/api/event')
    .then(({ listen }) => listen<string>('menu', (e) => handler(String(e.payload))))
    .then((u) => {
      if (stopped) u();
      else unlisten = u;
    })
    .catch(() => {});
  return () => {
    stopped = true;
    unlisten?.();
  };
}

/** Asks the desktop shell for files (or folders) with a native dialog; null outside Tauri or without it. */
export async function pickPaths(directory = false): Promise<string[] | null> {
  if (!inTauri()) return null;
  try {
    const { invoke } = await import('@tauri-apps/api/core');
    const r = await invoke('pick_paths', { directory });
    return Array.isArray(r) ? r.map(String) : null;
  } catch {
    return null;
  }
}
