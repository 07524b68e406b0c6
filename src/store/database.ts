/**
 * The LanceDB connection and the one way every store gets its tables: by name, created on first use.
 * Object stores list "folders" differently (an S3-compatible server may answer a delimiter listing
 * with no common prefixes), so nothing here asks `tableNames()` whether a table exists.
 */
import * as lancedb from "@lancedb/lancedb";
import type { Schema } from "apache-arrow";
import { AppError, errorMessage } from "../errors.ts";

export type Database = lancedb.Connection;
export type Table = lancedb.Table;

/** Object-store settings (the AWS_* variables) as LanceDB storage options. */
export interface ObjectStoreOptions {
  /** AWS_ENDPOINT: an S3-compatible server (MinIO, R2, ...). Default: AWS's own endpoint. */
  endpoint?: string;
  /** AWS_REGION. Default: LanceDB's (us-east-1 for S3). */
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** AWS_ALLOW_HTTP: allow a plain-http endpoint. Default false. */
  allowHttp?: boolean;
}

export interface DatabaseOptions {
  /**
   * Seconds after which a read checks for commits made by other processes (LanceDB's
   * readConsistencyInterval). Unset: never, the right choice for a process that is the only writer.
   */
  refreshSeconds?: number;
  /** Used only for an object-store URI. Default: none (LanceDB then reads the process environment). */
  objectStore?: ObjectStoreOptions;
}

/** True for the URIs LanceDB opens on an object store rather than a local folder. */
export function isObjectStoreLocation(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !/^file:\/\//i.test(uri);
}

function isS3Location(uri: string): boolean {
  return /^s3(\+ddb)?:\/\//i.test(uri);
}

/** LanceDB's storage options: set values only, so anything unset still comes from the environment. */
export function storageOptionsOf(options: ObjectStoreOptions): Record<string, string> {
  const entries: [string, string | undefined][] = [
    ["endpoint", options.endpoint],
    ["region", options.region],
    ["access_key_id", options.accessKeyId],
    ["secret_access_key", options.secretAccessKey],
    ["session_token", options.sessionToken],
    ["allow_http", options.allowHttp ? "true" : undefined],
  ];
  return Object.fromEntries(entries.filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Where the store is, for messages: the URI and the endpoint, never a credential. */
export function describeLocation(uri: string, objectStore?: ObjectStoreOptions): string {
  if (!objectStore) return uri;
  return `${uri} (endpoint ${objectStore.endpoint ?? "AWS S3"})`;
}

/**
 * Opens the LanceDB at a folder or object-store URI. On an object store the location is checked
 * at once, so unreachable endpoints and refused credentials stop the start with a clear message.
 */
export async function openDatabase(uri: string, options: DatabaseOptions = {}): Promise<Database> {
  // The AWS_* settings are for S3 (and S3-compatible servers); gs:// and az:// read their own variables.
  const objectStore = isS3Location(uri) ? (options.objectStore ?? {}) : undefined;
  const where = describeLocation(uri, objectStore);
  try {
    const database = await lancedb.connect(uri, {
      readConsistencyInterval: options.refreshSeconds,
      storageOptions: objectStore ? storageOptionsOf(objectStore) : undefined,
    });
    // A table that does not exist answers "not found"; a store that cannot be read answers otherwise.
    if (isObjectStoreLocation(uri)) await openTableIfExists(database, "chunks");
    return database;
  } catch (error) {
    throw new AppError(
      `cannot open the database at ${where}: ${storeProblem(error)}`,
      "store_unavailable",
      error,
    );
  }
}

/** LanceDB's answer for a table that is not there (as opposed to a store that cannot be reached). */
function isTableNotFound(error: unknown): boolean {
  return /Table '[^']*' was not found/.test(errorMessage(error));
}

/** The table, or undefined when it does not exist yet. Opens by name; never lists. */
export async function openTableIfExists(database: Database, name: string): Promise<Table | undefined> {
  try {
    return await database.openTable(name);
  } catch (error) {
    if (isTableNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * THE way a store gets its table: opened by name, created empty with `schema` the first time.
 * Two processes creating it at once both end up with the one table (existOk).
 */
export async function openOrCreateTable(database: Database, name: string, schema: Schema): Promise<Table> {
  return (
    (await openTableIfExists(database, name)) ??
    (await database.createEmptyTable(name, schema, { existOk: true }))
  );
}

/**
 * The short reason a store call failed: the first line of LanceDB's message, with the HTTP status
 * when there is one (403 = credentials refused). LanceDB's messages carry URLs but no credentials.
 */
export function storeProblem(error: unknown): string {
  const message = errorMessage(error);
  const status = /status: (\d{3})/.exec(message)?.[1];
  const refused = /Connection refused|tcp connect|error sending request|dns error/i.test(message);
  const first = message.split("\n")[0]!.slice(0, 300);
  if (status === "403" || status === "401")
    return `the object store refused the credentials (HTTP ${status}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
  if (refused) return `the object store is unreachable (${first})`;
  return first;
}

/**
 * Runs a read or write against the store; a failure becomes "store_unavailable" (HTTP 503), so a
 * store that went away answers requests with a clean, retryable error instead of a 500.
 */
export async function storeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(
      `the data store is unavailable (${what}): try again in a moment`,
      "store_unavailable",
      error,
    );
  }
}

/** The row whose `id` column is `id`, if any; a store failure is store_unavailable, naming `what`. */
export async function readRowById(
  table: Table,
  id: string,
  what: string,
): Promise<Record<string, unknown> | undefined> {
  const rows = await storeCall(what, () =>
    table
      .query()
      .where(`id = ${sqlString(id)}`)
      .limit(1)
      .toArray(),
  );
  return rows[0];
}

/** Quotes a string for a LanceDB SQL filter. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
