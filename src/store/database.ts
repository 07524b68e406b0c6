import * as lancedb from "@lancedb/lancedb";
import { AppError, errorMessage } from "../errors.ts";

export type Database = lancedb.Connection;
export type Table = lancedb.Table;

export interface DatabaseOptions {
  /**
   * Seconds after which a read checks for commits made by other processes (LanceDB's
   * readConsistencyInterval). Unset: never, the right choice for a process that is the only writer.
   */
  refreshSeconds?: number;
}

/** Opens (creating if needed) the LanceDB at a folder or object-store URI. */
export async function openDatabase(uri: string, options: DatabaseOptions = {}): Promise<Database> {
  try {
    return await lancedb.connect(uri, { readConsistencyInterval: options.refreshSeconds });
  } catch (error) {
    throw new AppError(`cannot open the database at ${uri}: ${errorMessage(error)}`, "store_failed", error);
  }
}

export async function openTableIfExists(database: Database, name: string): Promise<Table | undefined> {
  const names = await database.tableNames();
  return names.includes(name) ? database.openTable(name) : undefined;
}

/** Quotes a string for a LanceDB SQL filter. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
