import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/client';
import { errorText, httpErrorBody, isNetworkFailure, transportErrorBody, unreachableText, UNAUTHORIZED_TEXT } from '../src/api/errors';

describe('the error formatter', () => {
  it('turns a failed fetch into a sentence naming the address', () => {
    expect(unreachableText('127.0.0.1:7878')).toBe('Trawl is not reachable at 127.0.0.1:7878 — is `trawl serve` still running?');
    // the TypeError fetch throws in each browser
    for (const m of ['Failed to fetch', 'NetworkError when attempting to fetch resource.', 'Load failed']) {
      const e = new TypeError(m);
      expect(isNetworkFailure(e)).toBe(true);
      expect(errorText(e)).toMatch(/^Trawl is not reachable/);
      expect(errorText(e)).not.toMatch(/TypeError|Failed to fetch/);
    }
    expect(isNetworkFailure(new TypeError('x is not a function'))).toBe(false);
    // what the client throws when fetch fails
    const t = new ApiError(transportErrorBody());
    expect(errorText(t)).toMatch(/^Trawl is not reachable/);
  });

  it('says a missing or wrong token is one', () => {
    expect(httpErrorBody(401, '').code).toBe('unauthorized');
    const e = new ApiError({ code: 'unauthorized', message: 'wrong token', column: null });
    expect(errorText(e)).toBe(UNAUTHORIZED_TEXT);
    expect(UNAUTHORIZED_TEXT).toMatch(/access token is missing or wrong/);
  });

  it('names the HTTP status of an answer that is not Trawl JSON', () => {
    const b = httpErrorBody(502, '<html>\n  <body>Bad Gateway</body>\n</html>');
    expect(b).toEqual({ code: 'internal', message: 'Trawl answered HTTP 502: <html> <body>Bad Gateway</body> </html>', column: null });
    expect(httpErrorBody(500, '').message).toBe('Trawl answered HTTP 500');
    expect(httpErrorBody(500, 'x'.repeat(500)).message.length).toBeLessThan(230);
  });

  it('shows an API error as its message and anything else as text', () => {
    expect(errorText(new ApiError({ code: 'bad_query', message: 'query error at column 3: x', column: 3 }))).toBe('query error at column 3: x');
    expect(errorText(new Error('boom'))).toBe('boom');
    expect(errorText('plain')).toBe('plain');
    expect(errorText({ a: 1 })).toBe('{"a":1}');
    expect(errorText(undefined)).toBe('undefined');
  });
});
