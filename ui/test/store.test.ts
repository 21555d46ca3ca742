// The one UI data pattern: a store per resource (Value, Resource) read with useStore, actions
// through useCall, errors through errorText. These pin down how a Resource asks the server and
// keep the pattern from drifting (no component reads a store by hand, no second error formatter).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Resource, Value } from '../src/state/store';

/** A fetcher whose answers the test hands out, recording what was asked and what was aborted. */
function fake<A>() {
  const asked: { args: A; signal: AbortSignal; answer: (v: string) => void; fail: (e: unknown) => void }[] = [];
  const fetch = (args: A, signal: AbortSignal) =>
    new Promise<string>((answer, fail) => {
      asked.push({ args, signal, answer, fail });
    });
  return { asked, fetch };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('Value', () => {
  it('tells its subscribers when it changes, not when set to the same value', () => {
    const v = new Value(1);
    let n = 0;
    const off = v.subscribe(() => n++);
    v.set(1);
    v.set(2);
    expect(v.get()).toBe(2);
    expect(n).toBe(1);
    off();
    v.set(3);
    expect(n).toBe(1);
    expect(v.idle).toBe(true);
  });
});

describe('Resource', () => {
  it('asks once per argument, reuses the answer, and aborts an older request', async () => {
    const f = fake<{ q: string }>();
    const r = new Resource(f.fetch);
    const a = r.at({ q: 'a' });
    expect(r.at({ q: 'a' })).toBe(a);
    expect(f.asked.length).toBe(1);
    const b = r.at({ q: 'b' });
    expect(f.asked.length).toBe(2);
    expect(f.asked[0].signal.aborted).toBe(true);
    f.asked[0].answer('old');
    f.asked[1].answer('new');
    await tick();
    expect(a.get().data).toBe(null);
    expect(b.get()).toEqual({ data: 'new', error: null });
    expect(r.at({ q: 'b' })).toBe(b);
    expect(f.asked.length).toBe(2);
  });

  it('keeps the answer shown until the next one lands (keep), and holds a failure as thrown', async () => {
    const f = fake<number>();
    const r = new Resource(f.fetch, { keep: true });
    const one = r.at(1);
    const off = one.subscribe(() => {});
    f.asked[0].answer('one');
    await tick();
    const two = r.at(2);
    expect(two.get().data).toBe('one');
    off();
    const boom = new Error('boom');
    f.asked[1].fail(boom);
    await tick();
    expect(two.get()).toEqual({ data: 'one', error: boom });
  });

  it('asks again when a view comes back to it (mount), not while one reads it', async () => {
    const f = fake<null>();
    const r = new Resource(f.fetch, { mount: true });
    const s = r.at(null);
    const off = s.subscribe(() => {});
    f.asked[0].answer('x');
    await tick();
    expect(r.at(null)).toBe(s);
    expect(f.asked.length).toBe(1);
    off();
    const again = r.at(null);
    expect(again).not.toBe(s);
    expect(again.get().data).toBe(null);
    expect(f.asked.length).toBe(2);
  });

  it('refresh asks again and resolves when the answer landed, keeping the old one meanwhile', async () => {
    const f = fake<null>();
    const r = new Resource(f.fetch);
    const s = r.at(null);
    f.asked[0].answer('first');
    await tick();
    const done = r.refresh();
    expect(s.get().data).toBe('first');
    f.asked[1].answer('second');
    await done;
    expect(s.get().data).toBe('second');
  });
});

const SRC = join(__dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(n) ? [p] : [];
  });
}

describe('the data pattern', () => {
  const sources = files(SRC).filter((f) => !f.includes(`${join('src', 'api', 'gen')}`));

  it('reads stores only through useStore (state/store.ts is the one caller of useSyncExternalStore)', () => {
    const callers = sources.filter((f) => readFileSync(f, 'utf8').includes('useSyncExternalStore(')).map((f) => f.slice(SRC.length + 1));
    expect(callers).toEqual([join('state', 'store.ts')]);
  });

  it('formats errors only with errorText (no errText copy, no String(e))', () => {
    const offenders = sources
      .filter((f) => !f.startsWith(join(SRC, 'api')))
      .filter((f) => /\berrText\b|String\(e\b|String\(err\b|e\.message \?\?/.test(readFileSync(f, 'utf8')))
      .map((f) => f.slice(SRC.length + 1));
    expect(offenders).toEqual([]);
  });
});
