/** The README stays true: every environment variable config.ts reads is documented with its default. */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { CONFIG_VARIABLES } from "../src/config.ts";

it("documents every environment variable in the README", () => {
  const readme = readFileSync("README.md", "utf8");
  const configSource = readFileSync("src/config.ts", "utf8");
  const read = new Set(
    [...configSource.matchAll(/env\[?\(?["']([A-Z][A-Z0-9_]+)["']/g)].map((match) => match[1]),
  );
  for (const name of [...configSource.matchAll(/\(env, "([A-Z][A-Z0-9_]+)"/g)].map((match) => match[1]))
    read.add(name);
  const documented = new Set(CONFIG_VARIABLES.map((variable) => variable.name));
  for (const name of read)
    expect(documented.has(name!), `${name} is read but not in CONFIG_VARIABLES`).toBe(true);
  for (const variable of CONFIG_VARIABLES) {
    expect(readme, `${variable.name} missing from README`).toContain(`| \`${variable.name}\` |`);
  }
});
