// The protocol types the UI uses, written from notes/PROTOCOL.md until the generated
// `protocol.ts` (ts-rs, from crates/api/src/protocol.rs) lands; then these become re-exports.

export type ErrorCode =
  | 'bad_query'
  | 'not_found'
  | 'database_too_new'
  | 'io'
  | 'bad_request'
  | 'unauthorized'
  | 'internal';

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  column: number | null;
}

export interface FacetValue {
  value: string;
  count: number;
}

export interface SnippetView {
  text: string;
  highlights: [number, number][];
}

export interface SearchRequest {
  query: string;
  limit: number;
  offset: number;
  sort?: string | null;
  snippets: boolean;
}

export interface SearchHit {
  id: string;
  instance_id: string | null;
  trajectory_id: string | null;
  repo: string | null;
  dataset: string | null;
  format: string;
  model: string | null;
  resolved: boolean | null;
  flags: string[];
  steps: number;
  patch_files: number;
  patch_lines: number;
  step: number | null;
  snippet: SnippetView | null;
}

export interface SearchResponse {
  total: number;
  took_ms: number;
  facets: { [field: string]: FacetValue[] };
  hits: SearchHit[];
}

export interface SourceView {
  file: string;
  byte_offset: number;
  byte_len: number;
  line: number;
}

export interface UsageView {
  cost: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  api_calls: number | null;
}

export interface FactsView {
  tool_counts: { [tool: string]: number };
  edited_files: string[];
  patch_files: string[];
  patch_added: number;
  patch_removed: number;
  languages: { [lang: string]: number };
}

export interface TrajectoryMeta {
  id: string;
  source: SourceView;
  format: string;
  instance_id: string | null;
  repo: string | null;
  dataset: string | null;
  license: string | null;
  model: string | null;
  trajectory_id: string | null;
  resolved: boolean | null;
  exit_status: string | null;
  error: string | null;
  usage: UsageView;
  flags: string[];
  facts: FactsView;
  steps: number;
}

export interface Span {
  text: string;
  class: string | null;
}

export interface Code {
  language: string;
  lines: Span[][];
  first_line: number;
  line_numbers: (number | null)[];
  total_lines: number;
  truncated: boolean;
}

export type DiffLineKind = 'add' | 'del' | 'ctx';

export interface DiffLine {
  kind: DiffLineKind;
  old_no: number | null;
  new_no: number | null;
  spans: Span[];
}

export interface Hunk {
  header: string;
  lines: DiffLine[];
}

export interface FileDiff {
  old_path: string | null;
  new_path: string | null;
  language: string;
  binary: boolean;
  added: number;
  removed: number;
  hunks: Hunk[];
}

export type CallRender =
  | { kind: 'bash'; command: Code }
  | { kind: 'view'; path: string }
  | { kind: 'edit'; path: string; command: string; diff: FileDiff }
  | { kind: 'create'; path: string; code: Code }
  | { kind: 'think'; text: string }
  | { kind: 'finish'; text: string }
  | { kind: 'generic'; arguments: Code };

export interface RenderedCall {
  index: number;
  name: string;
  render: CallRender;
  observation: Code | null;
  exit_code: number | null;
}

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface RenderedStep {
  index: number;
  role: Role;
  text: string;
  thought: string | null;
  calls: RenderedCall[];
  observation: Code | null;
  exit_code: number | null;
}

export interface RenderedTrajectory {
  meta: TrajectoryMeta;
  problem_statement: string | null;
  steps: RenderedStep[];
  patch: FileDiff[];
  terms: string[];
}

export interface StepSummary {
  index: number;
  role: Role;
  tool: string | null;
  summary: string;
  exit_code: number | null;
}

export interface AlignedPair {
  a: number | null;
  b: number | null;
}

export interface CompareView {
  a: TrajectoryMeta;
  b: TrajectoryMeta;
  patch_diff: FileDiff[];
  a_steps: StepSummary[];
  b_steps: StepSummary[];
  alignment: AlignedPair[];
}

export interface HistogramBucket {
  lo: number;
  hi: number;
  count: number;
}

export interface Histogram {
  buckets: HistogramBucket[];
}

export interface RateRow {
  key: string;
  total: number;
  resolved_true: number;
  resolved_false: number;
  flags: { [flag: string]: number };
}

export interface ChartsResponse {
  total: number;
  steps: Histogram;
  tokens: Histogram;
  patch_lines: Histogram;
  by_repo: RateRow[];
  by_dataset: RateRow[];
  tools: FacetValue[];
}

export interface StatsResponse {
  trajectories: number;
  by_format: { [k: string]: number };
  by_dataset: { [k: string]: number };
  resolved: { [k: string]: number };
  flags: { [k: string]: number };
  diagnostics: number;
  errors: number;
  warnings: number;
  sources: number;
  blobs: number;
  indexed: number;
  db_bytes: number;
}

export interface DbInfo {
  path: string;
  stats: StatsResponse;
}

export interface IngestProgress {
  records: number;
  bytes: number;
  disk_bytes: number;
  total_bytes: number;
  elapsed_s: number;
  mb_per_s: number;
  eta_s: number | null;
  current_file: string;
}

export interface DiagnosticView {
  severity: string;
  file: string;
  line: number;
  message: string;
}

export interface IngestReport {
  files: number;
  files_unchanged: number;
  records: number;
  stored: number;
  duplicates: number;
  outcomes: number;
  resolved_joined: number;
  by_format: { [k: string]: number };
  errors: number;
  warnings: number;
  diagnostics: DiagnosticView[];
  bytes: number;
  elapsed_s: number;
  cancelled: boolean;
}

export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

export interface JobView {
  id: number;
  paths: string[];
  state: JobState;
  progress: IngestProgress | null;
  report: IngestReport | null;
  error: string | null;
}

export interface DiagnosticsRequest {
  file?: string | null;
  limit?: number | null;
}

export interface DiagnosticsResponse {
  total: number;
  diagnostics: DiagnosticView[];
}

export interface SourceExcerpt {
  file: string;
  first_line: number;
  lines: string[];
}

/** Every method: its params and its result. */
export interface Methods {
  db_info: [Record<string, never>, DbInfo];
  open_db: [{ path: string }, DbInfo];
  search: [SearchRequest, SearchResponse];
  trajectory: [{ id: string; query?: string | null }, RenderedTrajectory];
  observation: [{ id: string; step: number; call: number | null }, Code];
  compare: [{ a: string; b: string }, CompareView];
  charts: [{ query: string }, ChartsResponse];
  ingest_start: [{ paths: string[]; force: boolean }, JobView];
  jobs: [Record<string, never>, JobView[]];
  job_cancel: [{ id: number }, JobView];
  diagnostics: [DiagnosticsRequest, DiagnosticsResponse];
  source_lines: [{ file: string; line: number; context: number }, SourceExcerpt];
}

export type Method = keyof Methods;
