export type { TraceStatsColumns } from "./arrow-columns.ts";
export {
  type ChunkHit,
  ChunkStore,
  type DocumentSummary,
  type StoredChunk,
} from "./chunks.ts";
export { ConversationStore } from "./conversations.ts";
export { type Database, openDatabase } from "./database.ts";
export { EvalRunStore } from "./eval-runs.ts";
export { IngestLog, type IngestRecord } from "./ingest-log.ts";
export { type SourceState, SourceStateStore } from "./sources.ts";
export {
  formatTraceCursor,
  parseTraceCursor,
  type TraceCursor,
  type TraceFilter,
  traceFilterSql,
} from "./trace-filter.ts";
export { TraceStore, type TraceSummary } from "./traces.ts";
