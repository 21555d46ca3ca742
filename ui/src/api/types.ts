// The protocol types, re-exported from the TypeScript that ts-rs generates from the Rust types
// (`gen/`, never edited by hand; `cargo nextest … -E 'test(ts_types)'` fails when it is stale).
// This file only adds the few names the UI uses and the method table the client is typed by.

import type { ApiResults } from './gen/ApiResults';
import type { Request } from './gen/Request';

export type { AlignedPair } from './gen/AlignedPair';
export type { Bucket as HistogramBucket } from './gen/Bucket';
export type { CallRender } from './gen/CallRender';
export type { ChartsResponse } from './gen/ChartsResponse';
export type { Code } from './gen/Code';
export type { CompareView } from './gen/CompareView';
export type { DbInfo } from './gen/DbInfo';
export type { DiagnosticView } from './gen/DiagnosticView';
export type { DiagnosticsRequest } from './gen/DiagnosticsRequest';
export type { DiagnosticsResponse } from './gen/DiagnosticsResponse';
export type { DiffLine } from './gen/DiffLine';
export type { DiffLineKind } from './gen/DiffLineKind';
export type { ErrorBody } from './gen/ErrorBody';
export type { ErrorCode } from './gen/ErrorCode';
export type { FacetValue } from './gen/FacetValue';
export type { FactsView } from './gen/FactsView';
export type { FileDiff } from './gen/FileDiff';
export type { Histogram } from './gen/Histogram';
export type { Hunk } from './gen/Hunk';
export type { IngestProgress } from './gen/IngestProgress';
export type { IngestReport } from './gen/IngestReport';
export type { JobState } from './gen/JobState';
export type { JobView } from './gen/JobView';
export type { RateRow } from './gen/RateRow';
export type { RenderedCall } from './gen/RenderedCall';
export type { RenderedStep } from './gen/RenderedStep';
export type { RenderedTrajectory } from './gen/RenderedTrajectory';
export type { SearchHit } from './gen/SearchHit';
export type { SearchRequest } from './gen/SearchRequest';
export type { SearchResponse } from './gen/SearchResponse';
export type { SnippetView } from './gen/SnippetView';
export type { SourceExcerpt } from './gen/SourceExcerpt';
export type { SourceView } from './gen/SourceView';
export type { Span } from './gen/Span';
export type { StatsResponse } from './gen/StatsResponse';
export type { StepRole as Role } from './gen/StepRole';
export type { StepSummary } from './gen/StepSummary';
export type { TrajectoryMeta } from './gen/TrajectoryMeta';
export type { UsageView } from './gen/UsageView';
// curation (labels, queues, agreement, subsets, exports)
export type { AgreementResponse } from './gen/AgreementResponse';
export type { AnnotatorView } from './gen/AnnotatorView';
export type { ContaminationListView } from './gen/ContaminationListView';
export type { CurrentLabelView } from './gen/CurrentLabelView';
export type { DedupReportResponse } from './gen/DedupReportResponse';
export type { DisagreementView } from './gen/DisagreementView';
export type { ExportResponse } from './gen/ExportResponse';
export type { FlagReviewView } from './gen/FlagReviewView';
export type { LabelSetView } from './gen/LabelSetView';
export type { LabelWriteResult } from './gen/LabelWriteResult';
export type { LabelsImportReport } from './gen/LabelsImportReport';
export type { LineageNode } from './gen/LineageNode';
export type { LineageStage } from './gen/LineageStage';
export type { QueueResponse } from './gen/QueueResponse';
export type { ShapingSpec } from './gen/ShapingSpec';
export type { StageView } from './gen/StageView';
export type { SubsetCreateRequest } from './gen/SubsetCreateRequest';
export type { SubsetLineageResponse } from './gen/SubsetLineageResponse';
export type { SubsetShowResponse } from './gen/SubsetShowResponse';
export type { SubsetSummaryView } from './gen/SubsetSummaryView';
export type { SubsetVersionView } from './gen/SubsetVersionView';
export type { TrajectoryLabels } from './gen/TrajectoryLabels';
// the vocabularies the API serves (`vocabulary`; the values are in `gen/vocabularyValues.ts`)
export type { CapOrder } from './gen/CapOrder';
export type { Compression } from './gen/Compression';
export type { DedupMode } from './gen/DedupMode';
export type { ExportFormat } from './gen/ExportFormat';
export type { GroupBy } from './gen/GroupBy';
export type { ListKind } from './gen/ListKind';
export type { QualityFlag } from './gen/QualityFlag';
export type { RecordKind } from './gen/RecordKind';
export type { SearchSort } from './gen/SearchSort';
export type { TermDoc } from './gen/TermDoc';
export type { Vocabulary } from './gen/Vocabulary';

export type Method = Request['method'];

/** Every method: [its params, its result]. */
export type Methods = {
  [M in Method]: [Extract<Request, { method: M }>['params'], ApiResults[M]];
};
