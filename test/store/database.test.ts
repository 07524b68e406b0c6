/**
 * The one way stores get their tables (openOrCreateTable / openTableIfExists), on an object store
 * whose listings show no tables (s3rver on 127.0.0.1): existence is never inferred from a listing,
 * and a store that cannot be reached is an error, never "no table yet".
 */
import { Field, Schema, Utf8 } from "apache-arrow";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openDatabase, openOrCreateTable, openTableIfExists } from "../../src/store/database.ts";
import { type LocalS3, startLocalS3 } from "../helpers/s3.ts";

const SCHEMA = new Schema([new Field("id", new Utf8(), false)]);
let s3: LocalS3;
const objectStore = () => ({
  endpoint: s3.endpoint,
  region: "us-east-1",
  accessKeyId: s3.env.AWS_ACCESS_KEY_ID,
  secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY,
  allowHttp: true,
});

beforeAll(async () => {
  s3 = await startLocalS3(["ta"]);
});
afterAll(async () => {
  await s3?.close();
});

it("creates a table once and opens it by name from another connection, though listings show none", async () => {
  const [first, second] = await Promise.all([
    openDatabase("s3://ta/tables", { objectStore: objectStore() }),
    openDatabase("s3://ta/tables", { objectStore: objectStore() }),
  ]);
  expect(await openTableIfExists(first, "notes")).toBeUndefined();
  const [a, b] = await Promise.all([
    openOrCreateTable(first, "notes", SCHEMA),
    openOrCreateTable(second, "notes", SCHEMA),
  ]);
  await a.add([{ id: "one" }]);
  await b.add([{ id: "two" }]);
  const reopened = await openOrCreateTable(second, "notes", SCHEMA);
  expect(await reopened.countRows()).toBe(2);
  expect(await first.tableNames()).toEqual([]); // why listing must not decide existence
});

it("treats an unreachable store as an error, not as a missing table", async () => {
  const database = await openDatabase("s3://ta/tables", { objectStore: objectStore() });
  await s3.stop();
  try {
    await expect(openTableIfExists(database, "notes")).rejects.toThrow();
  } finally {
    await s3.restart();
  }
  expect(await openTableIfExists(database, "notes")).toBeDefined();
}, 30_000);
