export {
  type ChunkHit,
  ChunkStore,
  type DocumentSummary,
  IngestLog,
  type IngestRecord,
  type StoredChunk,
} from "./chunks.ts";
export { type Database, openDatabase } from "./database.ts";
