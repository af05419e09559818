import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseVerifyJwtSettings,
  readVerifyJwtSettings,
} from "../local/postgrest-functions-config.ts";

const CONFIG_PATH = "supabase/config.toml";

describe("parseVerifyJwtSettings", () => {
  it("reads each function's setting", () => {
    const text = [
      'project_id = "gateway"',
      "",
      "[functions.send-text]",
      "verify_jwt = true",
      "",
      "[functions.invalidate-token-cache]",
      "verify_jwt = false",
    ].join("\n");

    const settings = parseVerifyJwtSettings(text, CONFIG_PATH);

    expect([...settings]).toEqual([
      ["send-text", true],
      ["invalidate-token-cache", false],
    ]);
  });

  it("ignores comments, spacing and CRLF line ends", () => {
    const text =
      "# local settings\r\n[ functions.send-text ]  # the sender\r\n  verify_jwt=false # off\r\n";

    expect([...parseVerifyJwtSettings(text, CONFIG_PATH)]).toEqual([["send-text", false]]);
  });

  it("reads a quoted function name", () => {
    const text = '[functions."send-text"]\nverify_jwt = false\n';

    expect([...parseVerifyJwtSettings(text, CONFIG_PATH)]).toEqual([["send-text", false]]);
  });

  it("ignores verify_jwt outside a function table", () => {
    const text = [
      "verify_jwt = false",
      "[api]",
      "verify_jwt = false",
      "[functions.send-text]",
      "[[api.extra]]",
      "verify_jwt = false",
      "[functions.send-text.env]",
      "verify_jwt = false",
    ].join("\n");

    expect([...parseVerifyJwtSettings(text, CONFIG_PATH)]).toEqual([]);
  });

  it("keeps a # inside a string", () => {
    const text = '[functions.send-text]\nimport_map = "./a#b.json"\nverify_jwt = false\n';

    expect([...parseVerifyJwtSettings(text, CONFIG_PATH)]).toEqual([["send-text", false]]);
  });

  it("rejects a value that is not a boolean", () => {
    const text = '[functions.send-text]\nverify_jwt = "yes"\n';

    expect(() => parseVerifyJwtSettings(text, CONFIG_PATH)).toThrow(
      'Invalid verify_jwt value for function send-text in supabase/config.toml line 2: expected true or false, got "yes".',
    );
  });
});

describe("readVerifyJwtSettings", () => {
  it("reads a file", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), "functions-config-test-"));
    try {
      const configPath = path.join(directory, "config.toml");
      await writeFile(configPath, "[functions.send-text]\nverify_jwt = false\n");

      const settings = await readVerifyJwtSettings(configPath);

      expect([...settings]).toEqual([["send-text", false]]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("names a missing file", async () => {
    const missing = path.join(tmpdir(), "no-such-dir", "config.toml");

    await expect(readVerifyJwtSettings(missing)).rejects.toThrow(
      `Cannot read the Supabase config file ${missing}`,
    );
  });
});
