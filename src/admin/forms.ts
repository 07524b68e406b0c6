/** Reading the admin pages' form posts. */
import type { Context } from "hono";
import { AppError, errorMessage } from "../errors.ts";

/** The submitted form; one that cannot be parsed (bad multipart, wrong type) is a 400, not a 500. */
export async function readForm(c: Context): Promise<Record<string, string | File | (string | File)[]>> {
  try {
    return await c.req.parseBody();
  } catch (error) {
    throw new AppError(`the form could not be read: ${errorMessage(error)}`, "bad_request", error);
  }
}
