/** The shared page frame: navigation, stylesheet, script; plus small shared pieces. */
import type { Context } from "hono";
import { html } from "hono/html";
import type { Child } from "hono/jsx";
import { splitSpecialTokens } from "../prompt-sections.ts";

export type Section =
  | "dashboard"
  | "quality"
  | "traces"
  | "gaps"
  | "corpus"
  | "retrieval"
  | "playground"
  | "next-token"
  | "verified"
  | "handoffs";

const NAVIGATION: { section: Section; href: string; label: string }[] = [
  { section: "dashboard", href: "/admin", label: "Dashboard" },
  { section: "traces", href: "/admin/traces", label: "Traces" },
  { section: "gaps", href: "/admin/gaps", label: "Knowledge gaps" },
  { section: "handoffs", href: "/admin/handoffs", label: "Hand-offs" },
  { section: "verified", href: "/admin/verified", label: "Verified answers" },
  { section: "quality", href: "/admin/quality", label: "Quality" },
  { section: "corpus", href: "/admin/corpus", label: "Corpus" },
  { section: "retrieval", href: "/admin/corpus/search", label: "Retrieval" },
  { section: "playground", href: "/admin/playground", label: "Playground" },
  { section: "next-token", href: "/admin/playground/next-token", label: "Next token" },
];

export function Layout(props: { title: string; section?: Section; signedIn?: boolean; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{props.title} · Course TA admin</title>
        <link rel="stylesheet" href="/admin/assets/admin.css" />
        <script src="/admin/assets/admin.js" defer />
      </head>
      <body>
        <header class="top">
          <span class="brand">Course TA admin</span>
          {props.signedIn !== false &&
            NAVIGATION.map((item) => (
              <a href={item.href} class={item.section === props.section ? "active" : undefined}>
                {item.label}
              </a>
            ))}
          {props.signedIn !== false && (
            <form method="post" action="/admin/logout">
              <button type="submit">Log out</button>
            </form>
          )}
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

/** Renders a full HTML page with its doctype. */
export function renderPage(
  c: Context,
  page: Child,
  status: 200 | 400 | 401 | 403 | 404 | 413 | 429 | 500 | 503 = 200,
) {
  return c.html(html`<!DOCTYPE html>${page}`, status);
}

export function Notice(props: { message?: string; warnings?: string[]; error?: boolean }) {
  if (!props.message && !props.warnings?.length) return null;
  return (
    <div class={props.error ? "notice error" : "notice"} role="status">
      {props.message}
      {props.warnings && props.warnings.length > 0 && (
        <ul>
          {props.warnings.map((warning) => (
            <li>{warning}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Text with special tokens (<|im_start|> …) highlighted. */
export function TokenText(props: { text: string }) {
  return (
    <pre>
      {splitSpecialTokens(props.text).map((piece) =>
        piece.special ? <mark class="special">{piece.text}</mark> : piece.text,
      )}
    </pre>
  );
}

export function formatNumber(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ErrorPage(props: { title: string; message: string; signedIn?: boolean }) {
  return (
    <Layout title={props.title} signedIn={props.signedIn}>
      <h1>{props.title}</h1>
      <Notice message={props.message} error />
    </Layout>
  );
}
