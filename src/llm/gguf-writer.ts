/**
 * A small streaming GGUF v3 writer, used to generate the project's own test and benchmark models.
 * Metadata and tensor infos are built in memory (they are small); tensor data is produced chunk by
 * chunk and streamed to disk, so a 1 GB model never sits in memory.
 */
import { open, rename, rm } from "node:fs/promises";
import {
  alignOffset,
  DEFAULT_GGUF_ALIGNMENT,
  GgmlType,
  GgufValueType,
  tensorByteSize,
} from "./gguf-format.ts";

export type GgufMetadataValue =
  | { type: "uint32" | "int32" | "float32" | "uint64"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "array"; itemType: "string"; values: readonly string[] }
  | { type: "array"; itemType: "float32" | "int32" | "uint32"; values: ArrayLike<number> };

/** Shorthands for metadata values. */
export const ggufValue = {
  uint32: (value: number): GgufMetadataValue => ({ type: "uint32", value }),
  int32: (value: number): GgufMetadataValue => ({ type: "int32", value }),
  uint64: (value: number): GgufMetadataValue => ({ type: "uint64", value }),
  float32: (value: number): GgufMetadataValue => ({ type: "float32", value }),
  bool: (value: boolean): GgufMetadataValue => ({ type: "bool", value }),
  string: (value: string): GgufMetadataValue => ({ type: "string", value }),
  strings: (values: readonly string[]): GgufMetadataValue => ({ type: "array", itemType: "string", values }),
  float32s: (values: ArrayLike<number>): GgufMetadataValue => ({
    type: "array",
    itemType: "float32",
    values,
  }),
  int32s: (values: ArrayLike<number>): GgufMetadataValue => ({ type: "array", itemType: "int32", values }),
};

/** Block-quantized types the writer can store (as ready-made blocks: it does not quantize floats). */
export const QUANTIZED_TENSOR_TYPES = {
  q8_0: GgmlType.Q8_0,
  q5_0: GgmlType.Q5_0,
  q4_k: GgmlType.Q4_K,
  q6_k: GgmlType.Q6_K,
} as const;
export type QuantizedTensorType = keyof typeof QUANTIZED_TENSOR_TYPES;

export type GgufTensorSource = {
  name: string;
  /** Innermost dimension first, as GGUF stores them (`output.weight` is `[n_embd, n_vocab]`). */
  dimensions: readonly number[];
} & (
  | {
      type: "f32" | "f16";
      /** Fills `target` with consecutive elements starting at element `offset`. */
      fill(target: Float32Array, offset: number): void;
    }
  | {
      type: QuantizedTensorType;
      /** Fills `target` with the tensor's encoded blocks starting at byte `byteOffset`. */
      fillBytes(target: Buffer, byteOffset: number): void;
    }
);

function ggmlTypeOf(type: GgufTensorSource["type"]): number {
  if (type === "f16") return GgmlType.F16;
  if (type === "f32") return GgmlType.F32;
  return QUANTIZED_TENSOR_TYPES[type];
}

export interface GgufFileContents {
  /** Keys in writing order; `general.alignment` is added when missing. */
  metadata: ReadonlyArray<readonly [string, GgufMetadataValue]>;
  tensors: readonly GgufTensorSource[];
}

const CHUNK_ELEMENTS = 1 << 16;

/** Growable little-endian byte buffer for the header. */
class ByteWriter {
  private buffer = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
  uint32(value: number): void {
    this.reserve(4);
    this.length = this.buffer.writeUInt32LE(value, this.length);
  }
  int32(value: number): void {
    this.reserve(4);
    this.length = this.buffer.writeInt32LE(value, this.length);
  }
  uint64(value: number): void {
    this.reserve(8);
    this.length = this.buffer.writeBigUInt64LE(BigInt(value), this.length);
  }
  float32(value: number): void {
    this.reserve(4);
    this.length = this.buffer.writeFloatLE(value, this.length);
  }
  uint8(value: number): void {
    this.reserve(1);
    this.length = this.buffer.writeUInt8(value, this.length);
  }
  string(value: string): void {
    const bytes = Buffer.from(value, "utf8");
    this.uint64(bytes.length);
    this.reserve(bytes.length);
    bytes.copy(this.buffer, this.length);
    this.length += bytes.length;
  }
  padTo(alignment: number): void {
    const target = alignOffset(this.length, alignment);
    this.reserve(target - this.length);
    this.buffer.fill(0, this.length, target);
    this.length = target;
  }
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function writeValue(out: ByteWriter, value: GgufMetadataValue): void {
  if (value.type !== "array") {
    out.uint32(GgufValueType[value.type]);
    if (value.type === "string") out.string(value.value);
    else if (value.type === "bool") out.uint8(value.value ? 1 : 0);
    else out[value.type](value.value);
    return;
  }
  out.uint32(GgufValueType.array);
  out.uint32(GgufValueType[value.itemType]);
  out.uint64(value.values.length);
  if (value.itemType === "string") {
    for (const item of value.values) out.string(item);
  } else {
    const itemType = value.itemType;
    for (let index = 0; index < value.values.length; index++) out[itemType](value.values[index]);
  }
}

/** Converts float32 bit patterns to IEEE half floats (round to nearest, ties up), in place-friendly form. */
export function floatsToHalves(source: Float32Array, target: Uint16Array, count: number): void {
  const bits = new Uint32Array(source.buffer, source.byteOffset, count);
  for (let index = 0; index < count; index++) {
    const x = bits[index];
    const sign = (x >>> 16) & 0x8000;
    const exponent = ((x >>> 23) & 0xff) - 112;
    const mantissa = x & 0x7fffff;
    if (exponent <= 0) {
      // Subnormal half (or zero): shift the implicit bit in.
      target[index] =
        exponent < -10 ? sign : sign | ((((mantissa | 0x800000) >>> (1 - exponent)) + 0x1000) >>> 13);
    } else if (exponent >= 31) {
      target[index] = sign | 0x7c00;
    } else {
      target[index] = (sign | (exponent << 10) | (mantissa >>> 13)) + ((mantissa >>> 12) & 1);
    }
  }
}

/** Writes a GGUF v3 file; data goes to `<path>.partial` first so a failed write never looks complete. */
export async function writeGgufFile(path: string, contents: GgufFileContents): Promise<void> {
  const metadata = [...contents.metadata];
  if (!metadata.some(([key]) => key === "general.alignment")) {
    metadata.push(["general.alignment", ggufValue.uint32(DEFAULT_GGUF_ALIGNMENT)]);
  }
  const alignmentEntry = metadata.find(([key]) => key === "general.alignment")?.[1];
  const alignment = alignmentEntry?.type === "uint32" ? alignmentEntry.value : DEFAULT_GGUF_ALIGNMENT;

  const header = new ByteWriter();
  header.uint32(0x46554747); // "GGUF" little-endian
  header.uint32(3);
  header.uint64(contents.tensors.length);
  header.uint64(metadata.length);
  for (const [key, value] of metadata) {
    header.string(key);
    writeValue(header, value);
  }
  let dataOffset = 0;
  const tensorOffsets: number[] = [];
  for (const tensor of contents.tensors) {
    const type = ggmlTypeOf(tensor.type);
    header.string(tensor.name);
    header.uint32(tensor.dimensions.length);
    for (const dimension of tensor.dimensions) header.uint64(dimension);
    header.uint32(type);
    header.uint64(dataOffset);
    tensorOffsets.push(dataOffset);
    dataOffset = alignOffset(dataOffset + (tensorByteSize(type, tensor.dimensions) ?? 0), alignment);
  }
  header.padTo(alignment);

  const partialPath = `${path}.partial`;
  const file = await open(partialPath, "w");
  try {
    await file.write(header.bytes());
    const floats = new Float32Array(CHUNK_ELEMENTS);
    const halves = new Uint16Array(CHUNK_ELEMENTS);
    let written = 0;
    for (const [index, tensor] of contents.tensors.entries()) {
      if (written < tensorOffsets[index]) {
        await file.write(Buffer.alloc(tensorOffsets[index] - written));
        written = tensorOffsets[index];
      }
      if ("fillBytes" in tensor) {
        const size = tensorByteSize(ggmlTypeOf(tensor.type), tensor.dimensions) ?? 0;
        const bytes = Buffer.alloc(CHUNK_ELEMENTS * 16);
        for (let start = 0; start < size; start += bytes.length) {
          const chunk = bytes.subarray(0, Math.min(bytes.length, size - start));
          tensor.fillBytes(chunk, start);
          await file.write(chunk);
          written += chunk.length;
        }
        continue;
      }
      const elements = tensor.dimensions.reduce((product, dimension) => product * dimension, 1);
      for (let start = 0; start < elements; start += CHUNK_ELEMENTS) {
        const count = Math.min(CHUNK_ELEMENTS, elements - start);
        tensor.fill(floats.subarray(0, count), start);
        let chunk: Buffer;
        if (tensor.type === "f16") {
          floatsToHalves(floats, halves, count);
          chunk = Buffer.from(halves.buffer, 0, count * 2);
        } else {
          chunk = Buffer.from(floats.buffer, 0, count * 4);
        }
        await file.write(chunk);
        written += chunk.length;
      }
    }
    await file.close();
    await rename(partialPath, path);
  } catch (error) {
    await file.close().catch(() => {});
    await rm(partialPath, { force: true });
    throw error;
  }
}
