/** The README stays true: its configuration table is the settings table, row for row. */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { CONFIG_VARIABLES } from "../src/config.ts";

type Row = { default: string; description: string };

/** `| \`NAME\` | default | meaning |` rows of the "## Configuration" section, by name. */
function readmeConfigurationTable(): Record<string, Row> {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.split(/^## /m).find((part) => part.startsWith("Configuration\n"));
  expect(section, 'README has a "## Configuration" section').toBeDefined();
  const rows: Record<string, Row> = {};
  for (const line of section!.split("\n")) {
    const cells = /^\| `([A-Z][A-Z0-9_]*)` \| (.*?) \| (.*) \|$/.exec(line);
    if (!cells) continue;
    expect(rows[cells[1]!], `${cells[1]} has two rows`).toBeUndefined();
    rows[cells[1]!] = { default: cells[2]!, description: cells[3]! };
  }
  return rows;
}

it("documents every setting, with its default and meaning, in the README's configuration table", () => {
  const documented = Object.fromEntries(
    CONFIG_VARIABLES.map((variable) => [
      variable.name,
      { default: variable.default, description: variable.description },
    ]),
  );
  expect(readmeConfigurationTable()).toEqual(documented);
});
