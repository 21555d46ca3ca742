// The library store: the open database (db_info), its diagnostics and the ingest jobs, polled
// while one runs (the database is read again when the last one ends), plus the notices db_info
// hands out once (kept while the library view stays open) and the last failure as a sentence.
// The view mounts it (`mount()` starts afresh and returns the stop) and reads it with useStore.

import { call } from '../api/client';
import { errorText } from '../api/errors';
import type { DbInfo, DiagnosticsResponse, JobView } from '../api/types';
import type { Store } from './store';

/** How often running jobs are polled (ms). */
export const POLL_MS = 500;

export interface LibraryState {
  readonly info: DbInfo | null;
  readonly jobs: JobView[];
  readonly diags: DiagnosticsResponse | null;
  /** Notices about the database (an index rebuilt, and why), in the order db_info gave them. */
  readonly notices: string[];
  /** The last failure (opening, ingesting, polling), as a sentence. */
  readonly msg: string | null;
}

const INITIAL: LibraryState = { info: null, jobs: [], diags: null, notices: [], msg: null };

class Library implements Store<LibraryState> {
  private state: LibraryState = INITIAL;
  private readonly listeners = new Set<() => void>();
  private timer: number | null = null;
  /** Bumped when the view goes: answers to an earlier visit's requests are dropped. */
  private gen = 0;

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  };

  get = (): LibraryState => this.state;

  private set(p: Partial<LibraryState>, g: number = this.gen) {
    if (g !== this.gen) return;
    this.state = { ...this.state, ...p };
    for (const l of [...this.listeners]) l();
  }

  /** Starts (the view opened): reads the database and the jobs; returns the stop, which forgets it all. */
  mount(): () => void {
    this.refreshInfo();
    void this.poll();
    // A job started elsewhere (the desktop menu): poll again.
    const h = () => window.setTimeout(() => void this.poll(), 200);
    window.addEventListener('trawl:jobs-changed', h);
    return () => {
      window.removeEventListener('trawl:jobs-changed', h);
      if (this.timer !== null) window.clearTimeout(this.timer);
      this.timer = null;
      this.gen++;
      this.state = INITIAL;
    };
  }

  refreshInfo(): void {
    const g = this.gen;
    call('db_info', {})
      .then((i) => this.set({ info: i, notices: i.notices.length > 0 ? [...this.state.notices, ...i.notices] : this.state.notices }, g))
      .catch((e) => this.set({ msg: errorText(e) }, g));
    call('diagnostics', { file: null, limit: 500 })
      .then((diags) => this.set({ diags }, g))
      .catch(() => this.set({ diags: null }, g));
  }

  poll = async (): Promise<void> => {
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
    const g = this.gen;
    try {
      const js = await call('jobs', {});
      if (g !== this.gen) return;
      const wasRunning = this.state.jobs.some((j) => j.state === 'running');
      const running = js.some((j) => j.state === 'running');
      if (wasRunning && !running) this.refreshInfo();
      this.set({ jobs: js });
      if (running) this.timer = window.setTimeout(this.poll, POLL_MS);
    } catch (e) {
      this.set({ msg: errorText(e) }, g);
    }
  };

  /** Opens another database file. */
  async open(path: string): Promise<void> {
    this.set({ msg: null });
    const g = this.gen;
    try {
      this.set({ info: await call('open_db', { path }) }, g);
      if (g !== this.gen) return;
      this.refreshInfo();
      void this.poll();
    } catch (e) {
      this.set({ msg: errorText(e) }, g);
    }
  }

  /** Starts an ingest job; true when it started. */
  async ingest(paths: string[], force: boolean): Promise<boolean> {
    this.set({ msg: null });
    const g = this.gen;
    try {
      await call('ingest_start', { paths, force });
      if (g === this.gen) void this.poll();
      return true;
    } catch (e) {
      this.set({ msg: errorText(e) }, g);
      return false;
    }
  }

  /** Cancels a job. */
  cancel(id: number): void {
    const g = this.gen;
    call('job_cancel', { id })
      .then(() => (g === this.gen ? this.poll() : undefined))
      .catch((e) => this.set({ msg: errorText(e) }, g));
  }
}

/** The library (one per page; the library view mounts it). */
export const library = new Library();
