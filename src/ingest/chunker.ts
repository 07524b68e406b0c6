/**
 * Cuts a loaded document into retrieval passages (pure, no I/O).
 *
 * Blocks are split into sentences (clauses for over-long sentences, hard cuts for over-long clauses),
 * then packed greedily up to the target size. Tiny neighbouring blocks share a chunk; a chunk takes
 * the location and start time of its first piece
 * (a run of slides is named by its range). Lengths are UTF-16 units (`string.length`), so a
 * limit measured in code points holds as well.
 */
import type { ChunkDraft, LoadedDocument, TextBlock } from "../types.ts";
import { slideLocation } from "./locations.ts";
import {
  joinedLength,
  joinPieces,
  splitClauses,
  splitHard,
  splitSentences,
  type TextPiece,
} from "./text/sentences.ts";

export interface ChunkOptions {
  /** Size a chunk is filled up to, in characters. Default 350. */
  targetChars: number;
  /** Hard cap no chunk ever exceeds, in characters. Default 500. */
  maxChars: number;
  /**
   * Up to this many characters of the previous chunk's trailing sentences (or, for one over-long
   * sentence, its trailing clauses) start the next chunk. Default 60; at most half of targetChars.
   */
  overlapChars: number;
}

export const DEFAULT_CHUNK_OPTIONS: Readonly<ChunkOptions> = {
  targetChars: 350,
  maxChars: 500,
  overlapChars: 60,
};

/** A sentence (or clause) tagged with the block it came from. */
interface Unit extends TextPiece {
  blockIndex: number;
}

/**
 * Splits a document into sentence-aligned chunks of about targetChars (never over maxChars),
 * numbered from 0. The text is the document's own: nothing (not even the title) is prepended.
 */
export function chunkDocument(doc: LoadedDocument, options: Partial<ChunkOptions> = {}): ChunkDraft[] {
  const settings = resolveOptions(options);
  const blocks = doc.blocks
    .map((block) => ({ ...block, text: block.text.trim() }))
    .filter((block) => block.text.length > 0);
  const packer = new ChunkPacker(blocks, settings);
  blocks.forEach((block, blockIndex) => {
    packer.addBlock(splitIntoUnits(block.text, blockIndex, packer.unitLimit));
  });
  return packer.finish();
}

function resolveOptions(options: Partial<ChunkOptions>): ChunkOptions {
  const maxChars = Math.max(16, wholeNumber(options.maxChars, DEFAULT_CHUNK_OPTIONS.maxChars));
  const targetChars = Math.min(
    maxChars,
    Math.max(8, wholeNumber(options.targetChars, DEFAULT_CHUNK_OPTIONS.targetChars)),
  );
  // Overlap may never crowd out new text: keep it at most half the target.
  const overlap = Math.max(0, wholeNumber(options.overlapChars, DEFAULT_CHUNK_OPTIONS.overlapChars));
  return { targetChars, maxChars, overlapChars: Math.min(Math.floor(targetChars / 2), overlap) };
}

/** An option as a whole number, or its default when missing or not a finite number. */
function wholeNumber(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? Math.floor(value) : fallback;
}

/** Sentences no longer than limit; longer ones become clauses, longer clauses are hard-cut. */
function splitIntoUnits(text: string, blockIndex: number, limit: number): Unit[] {
  const units: Unit[] = [];
  for (const sentence of splitSentences(text)) {
    if (sentence.text.length <= limit) {
      units.push({ ...sentence, blockIndex });
      continue;
    }
    splitClauses(sentence.text).forEach((clause, index) => {
      const separator = index === 0 ? sentence.separator : clause.separator;
      if (clause.text.length <= limit) {
        units.push({ text: clause.text, separator, blockIndex });
        return;
      }
      splitHard(clause.text, limit).forEach((piece, pieceIndex) => {
        units.push({
          text: piece.text,
          separator: pieceIndex === 0 ? separator : piece.separator,
          blockIndex,
        });
      });
    });
  }
  return units;
}

class ChunkPacker {
  /** Longest unit, chosen so that a full overlap plus one unit always fits under maxChars. */
  readonly unitLimit: number;
  private readonly chunks: ChunkDraft[] = [];
  private current: Unit[] = [];
  /** How many units of `current` are new text (the rest is overlap from the previous chunk). */
  private freshCount = 0;

  constructor(
    private readonly blocks: readonly TextBlock[],
    private readonly options: ChunkOptions,
  ) {
    this.unitLimit = Math.max(1, Math.min(options.targetChars, options.maxChars - options.overlapChars - 1));
  }

  addBlock(units: Unit[]): void {
    if (units.length === 0) return;
    const first = { ...units[0], separator: "\n" };
    const whole = [first, ...units.slice(1)];
    // Tiny blocks (transcript cues, short sections) join the current chunk while it stays under target.
    if (this.freshCount > 0 && joinedLength([...this.current, ...whole]) <= this.options.targetChars) {
      this.current.push(...whole);
      this.freshCount += whole.length;
      return;
    }
    if (this.freshCount > 0) this.flush(units[0].blockIndex);
    whole.forEach((unit, index) => {
      this.addUnit(unit, index === whole.length - 1);
    });
  }

  finish(): ChunkDraft[] {
    if (this.freshCount > 0) this.emit();
    return this.chunks;
  }

  private addUnit(unit: Unit, isLastOfBlock: boolean): void {
    const lengthWith = joinedLength([...this.current, unit]);
    if (this.freshCount > 0 && lengthWith > this.options.targetChars) {
      // Let a block's last sentence, or a sentence after a still-small chunk, stretch up to maxChars
      // rather than leave a scrap of a chunk behind.
      const currentLength = joinedLength(this.current);
      const stretch = isLastOfBlock || currentLength < this.options.targetChars / 3;
      if (!stretch || lengthWith > this.options.maxChars) this.flush(unit.blockIndex);
    }
    if (this.freshCount === 0 && joinedLength([...this.current, unit]) > this.options.maxChars) {
      this.current = [];
    }
    this.current.push(unit);
    this.freshCount += 1;
  }

  /** Emits the current chunk and seeds the next one with its overlap, when the text runs on. */
  private flush(nextBlockIndex: number): void {
    const previous = this.current;
    this.emit();
    this.current = this.overlapFrom(previous, nextBlockIndex);
  }

  private emit(): void {
    const first = this.current[0];
    const block = this.blocks[first.blockIndex];
    const lastBlock = this.blocks[this.current[this.current.length - 1].blockIndex];
    const draft: ChunkDraft = {
      text: joinPieces(this.current),
      // A passage joining slides names them all, never only the first.
      location:
        block.slide !== undefined && lastBlock.slide !== undefined && lastBlock.slide !== block.slide
          ? slideLocation(block.slide, lastBlock.slide)
          : block.location,
      position: this.chunks.length,
    };
    if (block.startSeconds !== undefined) draft.startSeconds = block.startSeconds;
    if (block.anchor) draft.anchor = block.anchor;
    this.chunks.push(draft);
    this.current = [];
    this.freshCount = 0;
  }

  /**
   * Trailing whole sentences of the previous chunk, up to overlapChars (and at most half that chunk).
   * When the last sentence alone is too long, its trailing clauses are used instead.
   */
  private overlapFrom(previous: Unit[], nextBlockIndex: number): Unit[] {
    const budget = Math.min(this.options.overlapChars, Math.floor(joinedLength(previous) / 2));
    const carried: Unit[] = [];
    for (let index = previous.length - 1; index >= 0; index -= 1) {
      const unit = previous[index];
      if (!this.runsOn(unit.blockIndex, nextBlockIndex)) break;
      if (joinedLength([unit, ...carried]) > budget) break;
      carried.unshift(unit);
    }
    if (carried.length > 0 || previous.length === 0) return carried;
    const last = previous[previous.length - 1];
    if (!this.runsOn(last.blockIndex, nextBlockIndex)) return [];
    const clauses = splitClauses(last.text);
    const tail: Unit[] = [];
    for (let index = clauses.length - 1; index > 0; index -= 1) {
      const clause: Unit = { ...clauses[index], blockIndex: last.blockIndex };
      if (joinedLength([clause, ...tail]) > budget) break;
      tail.unshift(clause);
    }
    return tail;
  }

  /** Overlap only continues the same block or a transcript's cue stream, never across sections or pages. */
  private runsOn(fromBlockIndex: number, toBlockIndex: number): boolean {
    if (fromBlockIndex === toBlockIndex) return true;
    const from = this.blocks[fromBlockIndex];
    const to = this.blocks[toBlockIndex];
    return from.startSeconds !== undefined && to.startSeconds !== undefined;
  }
}
