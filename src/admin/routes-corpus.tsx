/** /admin/corpus: documents, upload, delete, re-ingest, rollback, and the retrieval playground. */
import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError, errorCode, errorMessage, httpStatusOf } from "../errors.ts";
import type { AdminContext } from "./context.ts";
import type { CorpusAdmin, CorpusChange } from "./corpus-admin.ts";
import { type FlashNotice, FlashNotices } from "./flash.ts";
import { readForm } from "./forms.ts";
import { CorpusPage, DocumentPage } from "./pages/corpus.tsx";
import { ErrorPage, renderPage } from "./pages/layout.tsx";
import { RetrievalPage } from "./pages/retrieval.tsx";
import { formatTime } from "./time.ts";

/** Room for multipart boundaries and the other fields on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const FORM_MAX_BYTES = 64 * 1024;

function requireCorpus(context: AdminContext): CorpusAdmin {
  if (!context.corpus) throw new AppError("corpus management is not available in this setup", "not_found");
  return context.corpus;
}

async function formField(c: Context, name: string): Promise<string> {
  const body = await readForm(c);
  const value = body[name];
  if (typeof value !== "string" || value.trim() === "")
    throw new AppError(`the form field "${name}" is missing`, "bad_request");
  return value.trim();
}

export function registerCorpusPages(admin: Hono, context: AdminContext): void {
  const flash = new FlashNotices();
  const time = (iso: string) => formatTime(iso, context.timeZone);

  async function corpusPage(
    c: Context,
    notice: FlashNotice | undefined,
    status: 200 | 400 | 404 | 413 | 500 = 200,
  ) {
    const corpus = requireCorpus(context);
    const [documents, history, sources] = await Promise.all([
      corpus.documents(),
      corpus.history(),
      corpus.sources(),
    ]);
    return renderPage(
      c,
      <CorpusPage
        documents={documents}
        history={history}
        time={time}
        maxUploadBytes={corpus.maxUploadBytes}
        extensions={corpus.supportedExtensions}
        notice={notice}
        sources={sources}
      />,
      status,
    );
  }

  /** Success: redirect (so a reload does not repeat it). Failure: the corpus page with the error and its status. */
  async function change(c: Context, work: (corpus: CorpusAdmin) => Promise<CorpusChange>) {
    const corpus = requireCorpus(context);
    try {
      const result = await work(corpus);
      const id = flash.put({ message: result.summary, warnings: result.warnings, error: false });
      return c.redirect(`/admin/corpus?notice=${id}`, 303);
    } catch (error) {
      const status = httpStatusOf(errorCode(error));
      const shown = status === 400 || status === 404 || status === 413 ? status : 500;
      return corpusPage(c, { message: errorMessage(error), warnings: [], error: true }, shown);
    }
  }

  admin.get("/corpus", (c) => corpusPage(c, flash.take(c.req.query("notice"))));

  admin.get("/corpus/document", async (c) => {
    const path = c.req.query("path") ?? "";
    const chunks = await requireCorpus(context).chunksOf(path);
    if (chunks.length === 0) throw new AppError(`the corpus has no document ${path}`, "not_found");
    return renderPage(c, <DocumentPage path={path} chunks={chunks} />);
  });

  const uploadLimit = bodyLimit({
    maxSize: (context.corpus?.maxUploadBytes ?? 0) + MULTIPART_OVERHEAD_BYTES,
    onError: (c) =>
      renderPage(
        c,
        <ErrorPage
          title="File too large"
          message={`Uploads are limited to ${context.corpus?.maxUploadBytes ?? 0} bytes. Split the document or compress its images.`}
        />,
        413,
      ),
  });
  admin.post("/corpus/upload", uploadLimit, (c) =>
    change(c, async (corpus) => {
      const body = await readForm(c);
      const file = body["file"];
      if (!(file instanceof File)) throw new AppError("choose a file to upload", "bad_request");
      const folder = typeof body["folder"] === "string" ? body["folder"] : "";
      return corpus.upload({ name: file.name, folder, content: new Uint8Array(await file.arrayBuffer()) });
    }),
  );

  const formLimit = bodyLimit({
    maxSize: FORM_MAX_BYTES,
    onError: (c) =>
      renderPage(c, <ErrorPage title="Form too large" message="That form was too large." />, 413),
  });
  admin.post("/corpus/delete", formLimit, (c) =>
    change(c, async (corpus) => corpus.remove(await formField(c, "path"))),
  );
  admin.post("/corpus/reingest", formLimit, (c) => change(c, (corpus) => corpus.reingest()));
  admin.post("/corpus/rollback", formLimit, (c) =>
    change(c, async (corpus) => corpus.rollback(Number(await formField(c, "version")))),
  );

  admin.post("/corpus/sources/sync", formLimit, (c) => change(c, (corpus) => corpus.syncSources("all")));
  admin.post("/corpus/sources/add", formLimit, (c) =>
    change(c, async (corpus) => {
      const body = await readForm(c);
      const text = (name: string) => (typeof body[name] === "string" ? String(body[name]) : "");
      if (!text("url").trim()) throw new AppError('the form field "url" is missing', "bad_request");
      return corpus.addSource({ url: text("url"), title: text("title"), every: text("every") });
    }),
  );

  admin.get("/corpus/search", async (c) => {
    const question = (c.req.query("q") ?? "").trim().slice(0, 2000);
    if (!question) return renderPage(c, <RetrievalPage question="" />);
    try {
      const result = await requireCorpus(context).retrieve(question);
      return renderPage(c, <RetrievalPage question={question} result={result} />);
    } catch (error) {
      return renderPage(c, <RetrievalPage question={question} error={errorMessage(error)} />, 500);
    }
  });
}
