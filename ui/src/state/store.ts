// The one way the UI reads server data: a store per resource (results, trajectory, queue, label
// sets, subsets, …) that holds its current value and tells subscribers when it changes, read in
// components with `useStore(store)` (React's useSyncExternalStore). Actions go through useCall.

import { useSyncExternalStore } from 'react';
import { call, isAbort } from '../api/client';
import type { Method, Methods } from '../api/types';

/** Something that holds a value and says when it changed (the value is replaced, never mutated). */
export interface Store<T> {
  subscribe(listener: () => void): () => void;
  get(): T;
}

/** Reads a store in a component; re-renders when it changes. */
export function useStore<T>(store: Store<T>): T {
  return useSyncExternalStore(store.subscribe, store.get);
}

/** A store holding one value, set from outside. */
export class Value<T> implements Store<T> {
  private readonly listeners = new Set<() => void>();

  constructor(private value: T) {}

  /** True when no component reads this store. */
  get idle(): boolean {
    return this.listeners.size === 0;
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  };

  get = (): T => this.value;

  set(v: T): void {
    if (Object.is(v, this.value)) return;
    this.value = v;
    for (const l of [...this.listeners]) l();
  }
}

/** A store that never changes (for "no resource" cases). */
export function constant<T>(v: T): Store<T> {
  return { subscribe: () => () => {}, get: () => v };
}

/** What a server read holds: the answer, or why there is none (the error as thrown). */
export interface Loaded<T> {
  readonly data: T | null;
  readonly error: unknown;
}

export interface ResourceOptions<A> {
  /** Show the previous answer while the new one loads (always, or when this says the two are alike). */
  keep?: boolean | ((prev: A, next: A) => boolean);
  /** Ask again whenever a view comes to read it. */
  mount?: boolean;
}

/**
 * A read of one resource for one argument at a time: `at(args)` returns the store for those
 * arguments, a new store (and request) when they differ from the last ones; the older request is
 * aborted, so only the newest answer lands. Nothing is notified while a component renders. `keep`
 * carries the previous answer over while the new one loads (the chart view keeps its charts until
 * the new ones arrive). `mount` asks again whenever a view comes to read it (a list that other
 * actions change: subsets, contamination lists, charts), where by default an answer is reused
 * while the arguments stay the same (a frozen subset version, a comparison). `refresh()` asks
 * again for the current arguments.
 */
export class Resource<A, T> {
  private key: string | null = null;
  private args: A | null = null;
  private ctl: AbortController | null = null;
  private value = new Value<Loaded<T>>({ data: null, error: null });
  private settled = false;

  constructor(
    private readonly fetch: (args: A, signal: AbortSignal) => Promise<T>,
    private readonly opts: ResourceOptions<A> = {},
  ) {}

  /** The store for `args` (started when new). */
  at(args: A): Store<Loaded<T>> {
    const key = JSON.stringify(args);
    if (key !== this.key || (this.opts.mount && this.settled && this.value.idle)) {
      // carried over only to a view still showing the previous answer (not to one that mounts)
      const keep = typeof this.opts.keep === 'function' ? this.args !== null && this.opts.keep(this.args, args) : this.opts.keep;
      const carry = keep && !this.value.idle ? this.value.get().data : null;
      this.value = new Value<Loaded<T>>({ data: carry, error: null });
      this.key = key;
      this.args = args;
      this.start();
    }
    return this.value;
  }

  /** Asks the server again for the current arguments (the answer so far stays until it lands); resolves when it landed. */
  refresh(): Promise<void> {
    return this.key !== null ? this.start() : Promise.resolve();
  }

  /** Aborts the request in flight and forgets the arguments (the next `at` asks again). */
  drop(): void {
    this.ctl?.abort();
    this.ctl = null;
    this.key = null;
    this.args = null;
  }

  private start(): Promise<void> {
    this.ctl?.abort();
    const ctl = new AbortController();
    this.ctl = ctl;
    const value = this.value;
    this.settled = false;
    return this.fetch(this.args as A, ctl.signal).then(
      (data) => {
        if (this.ctl !== ctl) return;
        this.settled = true;
        value.set({ data, error: null });
      },
      (error) => {
        if (this.ctl !== ctl || isAbort(error)) return;
        this.settled = true;
        value.set({ data: value.get().data, error });
      },
    );
  }
}

/** A resource that is one API call (`call(method, args)`). */
export function apiResource<M extends Method>(method: M, opts: ResourceOptions<Methods[M][0]> = {}): Resource<Methods[M][0], Methods[M][1]> {
  return new Resource<Methods[M][0], Methods[M][1]>((a, signal) => call(method, a, signal), opts);
}
