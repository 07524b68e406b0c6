/** Opening a table by name, creating it on first use (never inferred from a listing: object stores list differently). */
import type { Schema } from "apache-arrow";
import type { Database, Table } from "./database.ts";

export async function openOrCreateTable(database: Database, name: string, schema: Schema): Promise<Table> {
  try {
    return await database.openTable(name);
  } catch {
    // Two replicas may race to create it: existOk opens the winner's table.
    return database.createEmptyTable(name, schema, { existOk: true });
  }
}
