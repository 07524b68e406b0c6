/**
 * Office documents (.pptx, .docx) are zip packages, and a few kilobytes of zip can unpack to
 * gigabytes (a zip bomb, by accident or on purpose: a course website is fetched unattended). Parts
 * are unpacked as a stream and counted, and a document whose parts pass the cap is refused before
 * it can take the service's memory. The sizes a zip declares are not trusted: they can lie.
 */
import JSZip from "jszip";
import { errorMessage } from "../../errors.ts";
import { parseFailed } from "./common.ts";

/** Most bytes a document's parts may unpack to. Real slide decks and handouts unpack to a few MB of XML. */
export const MAX_UNPACKED_BYTES = 100 * 1024 * 1024;

/** JSZip's documented `internalStream` (its typings leave it out): pausable, unlike `nodeStream`. */
interface PartStream {
  on(event: "data", listener: (data: Uint8Array) => void): PartStream;
  on(event: "error", listener: (error: Error) => void): PartStream;
  on(event: "end", listener: () => void): PartStream;
  pause(): PartStream;
  resume(): PartStream;
}

function partStream(file: JSZip.JSZipObject): PartStream {
  return (file as unknown as { internalStream(type: "uint8array"): PartStream }).internalStream("uint8array");
}

export class OfficePackage {
  private unpackedBytes = 0;

  private constructor(
    private readonly zip: JSZip,
    private readonly path: string,
    private readonly maxBytes: number,
  ) {}

  /** Reads the package's directory; `kind` names the format in the error ("PowerPoint file"). */
  static async open(
    path: string,
    content: Buffer,
    kind: string,
    maxBytes = MAX_UNPACKED_BYTES,
  ): Promise<OfficePackage> {
    try {
      return new OfficePackage(await JSZip.loadAsync(content), path, maxBytes);
    } catch (error) {
      throw parseFailed(path, `not a readable ${kind} (${errorMessage(error)})`, error);
    }
  }

  has(partPath: string): boolean {
    return this.zip.file(partPath) !== null;
  }

  partNames(): string[] {
    return Object.keys(this.zip.files).filter((name) => !this.zip.files[name]!.dir);
  }

  /** A part's text (UTF-8), or undefined when the package has no such part. */
  async text(partPath: string): Promise<string | undefined> {
    const chunks = await this.unpack(partPath, true);
    return chunks && Buffer.concat(chunks).toString("utf8");
  }

  /** Unpacks and counts the parts (keeping nothing), so a bomb is refused before another reader opens it. */
  async checkSize(include: (partPath: string) => boolean = () => true): Promise<void> {
    for (const name of this.partNames()) if (include(name)) await this.unpack(name, false);
  }

  private unpack(partPath: string, keep: boolean): Promise<Uint8Array[] | undefined> {
    const file = this.zip.file(partPath);
    if (!file) return Promise.resolve(undefined);
    const chunks: Uint8Array[] = [];
    return new Promise((resolve, reject) => {
      const stream = partStream(file);
      stream
        .on("data", (data: Uint8Array) => {
          this.unpackedBytes += data.length;
          if (this.unpackedBytes > this.maxBytes) {
            // Paused, the inflater stops; nothing more is unpacked.
            stream.pause();
            reject(
              parseFailed(
                this.path,
                `unpacks to more than ${Math.round(this.maxBytes / 1024 / 1024)} MB (a zip bomb?); not read`,
              ),
            );
            return;
          }
          if (keep) chunks.push(data);
        })
        .on("error", (error: Error) => reject(parseFailed(this.path, `a damaged part ${partPath}`, error)))
        .on("end", () => resolve(chunks))
        .resume();
    });
  }
}
