/**
 * Pure-TypeScript GGUF header check, run before llama.cpp ever opens a file: a malformed vocabulary
 * or truncated file can abort the whole process inside llama.cpp, while here it is a clear AppError.
 */
import { open, stat } from "node:fs/promises";
import { AppError } from "../errors.ts";
import {
  alignOffset,
  byteTokenText,
  DEFAULT_GGUF_ALIGNMENT,
  GGML_TYPE_LAYOUT,
  GGUF_MAGIC,
  GGUF_SCALAR_SIZES,
  GgufValueType,
  SUPPORTED_GGUF_VERSIONS,
  tensorByteSize,
} from "./gguf-format.ts";

export interface GgufFileSummary {
  path: string;
  fileSize: number;
  version: number;
  architecture: string;
  /** `general.name`, or the file name when the model has none. */
  name: string;
  /** Training context length (`<arch>.context_length`). */
  contextLength: number;
  embeddingLength: number;
  blockCount: number;
  /** `tokenizer.ggml.model`: "llama" (SentencePiece), "gpt2" (byte-level BPE), ... */
  tokenizerModel: string;
  vocabularySize: number;
  /** Jinja chat template from `tokenizer.chat_template`, if the model ships one. */
  chatTemplate?: string;
  tensorCount: number;
  alignment: number;
  /** File offset where tensor data starts. */
  dataOffset: number;
}

type MetadataValue = number | bigint | boolean | string | MetadataValue[];

interface TensorInfo {
  name: string;
  dimensions: number[];
  type: number;
  offset: number;
}

interface ParsedHeader {
  version: number;
  metadata: Map<string, MetadataValue>;
  tensors: TensorInfo[];
  /** Offset just past the tensor infos (before alignment padding). */
  headerEnd: number;
}

/** Thrown by the cursor when the bytes read so far end mid-value. */
class NeedMoreBytes extends Error {}

/** Problems that make the file invalid; turned into AppError with the file name. */
class InvalidGguf extends Error {}

const MAX_TENSOR_DIMENSIONS = 4;
const FIRST_READ_BYTES = 1 << 20;

class Cursor {
  offset = 0;
  constructor(
    private readonly buffer: Buffer,
    private readonly fileSize: number,
  ) {}

  private take(bytes: number): number {
    if (this.offset + bytes > this.buffer.length) throw new NeedMoreBytes();
    const start = this.offset;
    this.offset += bytes;
    return start;
  }
  uint32(): number {
    return this.buffer.readUInt32LE(this.take(4));
  }
  /** 64-bit counts and sizes; anything beyond the file size is nonsense, not a big number. */
  size(what: string): number {
    const value = this.buffer.readBigUInt64LE(this.take(8));
    if (value > BigInt(this.fileSize))
      throw new InvalidGguf(
        `is truncated or corrupt: ${what} is ${value}, more than its ${this.fileSize} bytes`,
      );
    return Number(value);
  }
  string(what: string): string {
    const length = this.size(`length of ${what}`);
    const start = this.take(length);
    return this.buffer.toString("utf8", start, start + length);
  }
  scalar(type: number): number | bigint | boolean {
    const start = this.take(GGUF_SCALAR_SIZES[type]);
    const buffer = this.buffer;
    switch (type) {
      case GgufValueType.uint8:
        return buffer.readUInt8(start);
      case GgufValueType.int8:
        return buffer.readInt8(start);
      case GgufValueType.uint16:
        return buffer.readUInt16LE(start);
      case GgufValueType.int16:
        return buffer.readInt16LE(start);
      case GgufValueType.uint32:
        return buffer.readUInt32LE(start);
      case GgufValueType.int32:
        return buffer.readInt32LE(start);
      case GgufValueType.float32:
        return buffer.readFloatLE(start);
      case GgufValueType.bool:
        return buffer.readUInt8(start) !== 0;
      case GgufValueType.uint64:
        return buffer.readBigUInt64LE(start);
      case GgufValueType.int64:
        return buffer.readBigInt64LE(start);
      default:
        return buffer.readDoubleLE(start);
    }
  }
  value(type: number, key: string): MetadataValue {
    if (type === GgufValueType.string) return this.string(`value of ${key}`);
    if (type === GgufValueType.array) {
      const itemType = this.uint32();
      const count = this.size(`item count of ${key}`);
      if (itemType in GGUF_SCALAR_SIZES && count * GGUF_SCALAR_SIZES[itemType] > this.fileSize) {
        throw new InvalidGguf(
          `is truncated or corrupt: array ${key} claims ${count} items, more than the file holds`,
        );
      }
      if (
        !(itemType in GGUF_SCALAR_SIZES) &&
        itemType !== GgufValueType.string &&
        itemType !== GgufValueType.array
      ) {
        throw new InvalidGguf(`has an unknown item type ${itemType} in array ${key}`);
      }
      const items: MetadataValue[] = new Array(count);
      for (let index = 0; index < count; index++) items[index] = this.value(itemType, key);
      return items;
    }
    if (!(type in GGUF_SCALAR_SIZES))
      throw new InvalidGguf(`has an unknown value type ${type} for metadata key ${key}`);
    return this.scalar(type);
  }
}

function parseHeader(buffer: Buffer, fileSize: number): ParsedHeader {
  const cursor = new Cursor(buffer, fileSize);
  if (buffer.length < 4) throw new NeedMoreBytes();
  const magic = buffer.toString("latin1", 0, 4);
  if (magic !== GGUF_MAGIC) {
    throw new InvalidGguf(`is not a GGUF file (starts with ${JSON.stringify(magic)}, expected "GGUF")`);
  }
  cursor.offset = 4;
  const version = cursor.uint32();
  if (!SUPPORTED_GGUF_VERSIONS.includes(version)) {
    throw new InvalidGguf(
      `uses GGUF version ${version}; supported versions are ${SUPPORTED_GGUF_VERSIONS.join(", ")}`,
    );
  }
  const tensorCount = cursor.size("tensor count");
  const metadataCount = cursor.size("metadata key count");
  const metadata = new Map<string, MetadataValue>();
  for (let index = 0; index < metadataCount; index++) {
    const key = cursor.string("metadata key");
    if (key === "") throw new InvalidGguf(`has an empty key in metadata entry ${index}`);
    metadata.set(key, cursor.value(cursor.uint32(), key));
  }
  const tensors: TensorInfo[] = [];
  for (let index = 0; index < tensorCount; index++) {
    const name = cursor.string("tensor name");
    const dimensionCount = cursor.uint32();
    if (dimensionCount < 1 || dimensionCount > MAX_TENSOR_DIMENSIONS) {
      throw new InvalidGguf(
        `has tensor ${name} with ${dimensionCount} dimensions (1 to ${MAX_TENSOR_DIMENSIONS} allowed)`,
      );
    }
    const dimensions: number[] = [];
    for (let dimension = 0; dimension < dimensionCount; dimension++) {
      dimensions.push(cursor.size(`dimension ${dimension} of tensor ${name}`));
    }
    const type = cursor.uint32();
    const offset = cursor.size(`data offset of tensor ${name}`);
    tensors.push({ name, dimensions, type, offset });
  }
  return { version, metadata, tensors, headerEnd: cursor.offset };
}

/** Reads growing prefixes of the file until the header parses; the header is usually well under 1 MB. */
async function readHeader(path: string, fileSize: number): Promise<ParsedHeader> {
  const file = await open(path, "r");
  try {
    let length = Math.min(FIRST_READ_BYTES, fileSize);
    for (;;) {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, 0);
      try {
        return parseHeader(buffer.subarray(0, bytesRead), fileSize);
      } catch (error) {
        if (!(error instanceof NeedMoreBytes)) throw error;
        if (bytesRead >= fileSize)
          throw new InvalidGguf(`is truncated: it ends inside the header (${fileSize} bytes)`);
        length = Math.min(length * 4, fileSize);
      }
    }
  } finally {
    await file.close();
  }
}

function numberValue(metadata: Map<string, MetadataValue>, key: string): number | undefined {
  const value = metadata.get(key);
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return undefined;
}

function requireNumber(metadata: Map<string, MetadataValue>, key: string): number {
  const value = numberValue(metadata, key);
  if (value === undefined) throw new InvalidGguf(`is missing the required metadata key ${key}`);
  return value;
}

function checkVocabulary(metadata: Map<string, MetadataValue>): {
  tokenizerModel: string;
  vocabularySize: number;
} {
  const tokenizerModel = metadata.get("tokenizer.ggml.model");
  if (typeof tokenizerModel !== "string" || tokenizerModel === "") {
    throw new InvalidGguf("has no tokenizer (tokenizer.ggml.model is missing)");
  }
  const tokens = metadata.get("tokenizer.ggml.tokens");
  if (!Array.isArray(tokens))
    throw new InvalidGguf("has no tokenizer vocabulary (tokenizer.ggml.tokens is missing)");
  if (tokens.length === 0) throw new InvalidGguf("has an empty tokenizer vocabulary (tokenizer.ggml.tokens)");
  if (!tokens.every((token) => typeof token === "string")) {
    throw new InvalidGguf("has a tokenizer vocabulary that is not a list of strings");
  }
  for (const key of ["tokenizer.ggml.scores", "tokenizer.ggml.token_type"]) {
    const values = metadata.get(key);
    if (values !== undefined && (!Array.isArray(values) || values.length !== tokens.length)) {
      throw new InvalidGguf(`has ${key} that does not match the ${tokens.length}-token vocabulary`);
    }
  }
  if (tokenizerModel === "llama") {
    // SentencePiece byte fallback: llama.cpp aborts on any byte it cannot map.
    const vocabulary = new Set(tokens as string[]);
    const missing: string[] = [];
    for (let byte = 0; byte < 256; byte++) {
      if (!vocabulary.has(byteTokenText(byte))) missing.push(byteTokenText(byte));
    }
    if (missing.length > 0) {
      throw new InvalidGguf(
        `has a SentencePiece vocabulary without ${missing.length} of the 256 byte tokens (e.g. ${missing.slice(0, 3).join(", ")})`,
      );
    }
  }
  for (const key of metadata.keys()) {
    if (!/^tokenizer\.ggml\.[a-z_]+_token_id$/.test(key)) continue;
    const id = numberValue(metadata, key);
    if (id !== undefined && id !== -1 && id !== 0xffffffff && (id < 0 || id >= tokens.length)) {
      throw new InvalidGguf(`has ${key} = ${id}, outside the ${tokens.length}-token vocabulary`);
    }
  }
  return { tokenizerModel, vocabularySize: tokens.length };
}

function checkTensors(
  header: ParsedHeader,
  alignment: number,
  fileSize: number,
  vocabularySize: number,
): number {
  if (header.tensors.length === 0) throw new InvalidGguf("contains no tensors");
  const dataOffset = alignOffset(header.headerEnd, alignment);
  const names = new Set<string>();
  for (const tensor of header.tensors) {
    if (names.has(tensor.name)) throw new InvalidGguf(`has two tensors named ${tensor.name}`);
    names.add(tensor.name);
    if (tensor.offset % alignment !== 0) {
      throw new InvalidGguf(
        `has tensor ${tensor.name} at offset ${tensor.offset}, not aligned to ${alignment}`,
      );
    }
    const layout = GGML_TYPE_LAYOUT[tensor.type];
    // Types newer than our table cannot be sized; still check that their data starts inside the file.
    const bytes = tensorByteSize(tensor.type, tensor.dimensions) ?? 1;
    if (layout && tensor.dimensions[0] % layout.blockSize !== 0) {
      throw new InvalidGguf(
        `has tensor ${tensor.name} whose row is not a whole number of ${layout.name} blocks`,
      );
    }
    const end = dataOffset + tensor.offset + bytes;
    if (end > fileSize) {
      throw new InvalidGguf(
        `is truncated: tensor ${tensor.name} needs bytes up to ${end}, but the file has ${fileSize} (tensor data beyond end of file)`,
      );
    }
  }
  const embeddings = header.tensors.find((tensor) => tensor.name === "token_embd.weight");
  if (embeddings && embeddings.dimensions[1] !== vocabularySize) {
    throw new InvalidGguf(
      `has ${vocabularySize} vocabulary tokens but token_embd.weight holds ${embeddings.dimensions[1]} rows`,
    );
  }
  return dataOffset;
}

/**
 * Reads and checks a GGUF file's header, metadata and tensor table without loading the weights.
 * Throws AppError "model_unavailable" when the file cannot be read and "model_invalid" when it is malformed.
 */
export async function validateGgufFile(path: string): Promise<GgufFileSummary> {
  let fileSize: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new AppError(`Model file ${path} is not a regular file`, "model_unavailable");
    fileSize = info.size;
  } catch (error) {
    if (error instanceof AppError) throw error;
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : "cannot be read";
    throw new AppError(
      `Model file ${path} ${reason}: pass a .gguf path or an hf: URI`,
      "model_unavailable",
      error,
    );
  }
  try {
    const header = await readHeader(path, fileSize);
    const { metadata } = header;
    const architecture = metadata.get("general.architecture");
    if (typeof architecture !== "string" || architecture === "") {
      throw new InvalidGguf("is missing general.architecture");
    }
    const alignment = numberValue(metadata, "general.alignment") ?? DEFAULT_GGUF_ALIGNMENT;
    if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
      throw new InvalidGguf(`has general.alignment ${alignment}, which is not a power of two`);
    }
    const contextLength = requireNumber(metadata, `${architecture}.context_length`);
    const embeddingLength = requireNumber(metadata, `${architecture}.embedding_length`);
    const blockCount = requireNumber(metadata, `${architecture}.block_count`);
    const { tokenizerModel, vocabularySize } = checkVocabulary(metadata);
    const dataOffset = checkTensors(header, alignment, fileSize, vocabularySize);
    const name = metadata.get("general.name");
    const chatTemplate = metadata.get("tokenizer.chat_template");
    return {
      path,
      fileSize,
      version: header.version,
      architecture,
      name: typeof name === "string" && name !== "" ? name : (path.split(/[\\/]/).pop() ?? path),
      contextLength,
      embeddingLength,
      blockCount,
      tokenizerModel,
      vocabularySize,
      chatTemplate: typeof chatTemplate === "string" ? chatTemplate : undefined,
      tensorCount: header.tensors.length,
      alignment,
      dataOffset,
    };
  } catch (error) {
    if (error instanceof InvalidGguf)
      throw new AppError(`Model file ${path} ${error.message}`, "model_invalid", error);
    if (error instanceof AppError) throw error;
    throw new AppError(
      `Model file ${path} cannot be read: ${(error as Error).message}`,
      "model_unavailable",
      error,
    );
  }
}
