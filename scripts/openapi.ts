/**
 * Writes docs/openapi.json, the document that the Worker serves at GET /openapi.json, formatted
 * by Biome like the rest of the repository's JSON.
 *
 *   npx tsx scripts/openapi.ts           write the file
 *   npx tsx scripts/openapi.ts --check   write nothing; exit 1 when the file is out of date
 */
import { spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DOCUMENT_PATH = "docs/openapi.json";
const BIOME = fileURLToPath(new URL("../node_modules/.bin/biome", import.meta.url));

// The Worker's modules import each other without file extensions, as its bundler allows. The
// Node type check cannot follow those imports, so the builder is loaded at run time, where tsx
// resolves them.
const BUILDER_URL = new URL("../worker/src/openapi.ts", import.meta.url).href;

interface OpenApiBuilder {
  buildOpenApiDocument(): unknown;
}

async function generateDocumentText(): Promise<string> {
  const builder = (await import(BUILDER_URL)) as OpenApiBuilder;
  const json = `${JSON.stringify(builder.buildOpenApiDocument(), null, 2)}\n`;
  const formatted = spawnSync(BIOME, ["format", `--stdin-file-path=${DOCUMENT_PATH}`], {
    cwd: ROOT,
    input: json,
    encoding: "utf8",
  });
  if (formatted.status !== 0) {
    throw new Error(`biome format failed with exit code ${formatted.status}: ${formatted.stderr}`);
  }
  return formatted.stdout;
}

async function readCommittedText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return undefined;
    }
    throw error;
  }
}

async function main(): Promise<number> {
  const path = `${ROOT}${DOCUMENT_PATH}`;
  const generated = await generateDocumentText();
  if (process.argv.includes("--check")) {
    if ((await readCommittedText(path)) === generated) {
      console.log(`${DOCUMENT_PATH} is up to date`);
      return 0;
    }
    console.error(`${DOCUMENT_PATH} is out of date; run: npx tsx scripts/openapi.ts`);
    return 1;
  }
  await writeFile(path, generated);
  console.log(`wrote ${DOCUMENT_PATH}`);
  return 0;
}

process.exitCode = await main();
