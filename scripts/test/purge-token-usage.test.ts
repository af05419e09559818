import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { runPurgeCli } from "./helpers/purge-cli.ts";

const USAGE_HINT = "Run npm run purge -- --help for usage.\n";
const EMPTY_STDIN = "nothing to purge: standard input contained no tokens";
const BAD_LINE_3 =
  "standard input line 3: the token contains a character outside printable ASCII 0x21-0x7E (white space or a control or non-ASCII character)";

/** Returns a TCP port on 127.0.0.1 that nothing listens on: one just released by a server. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("purge-token usage errors", () => {
  it.each([
    [
      ["--bogus", "abc123"],
      "unknown option --bogus; run with --help for the options, and pass a token that begins with - after --",
    ],
    [[], "nothing to purge: give tokens, --stdin, --instance <uuid> or --all"],
    [
      ["--all", "abc123"],
      "--all purges every key; do not combine it with tokens, --stdin or --instance",
    ],
    [["--via", "carrier-pigeon", "abc123"], "--via must be worker or cloudflare"],
    [["--via"], "--via needs a value, as in --via <value>"],
    [
      ["--instance", "b001"],
      "--instance value 1 is not a UUID; expected an instance id such as 00000000-0000-4000-8000-00000000b001",
    ],
    [["--env", "staging", "abc123"], "--env applies only to --via cloudflare"],
    [["--json", "--json", "abc123"], "--json was given more than once; give it once"],
    [["--all=yes"], "--all takes no value"],
  ])("rejects %j", async (args, message) => {
    const run = await runPurgeCli(args);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`error: ${message}\n${USAGE_HINT}`);
    expect(run.stdout).toBe("");
  });

  it("does not echo an option-like token", async () => {
    const run = await runPurgeCli(["-Zs3cr3t"]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: unknown option in argument 1; run with --help for the options, and pass a token that begins with - after --\n${USAGE_HINT}`,
    );
  });

  it("names an invalid token argument", async () => {
    const token = "x".repeat(257);
    const run = await runPurgeCli(["abc123", token]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: token argument 2: the token is 257 characters long; tokens have at most 256\n${USAGE_HINT}`,
    );
  });

  it("names an invalid stdin line", async () => {
    const run = await runPurgeCli(["--stdin", "--json"], {}, "abc123\n\nsecret token\ndef456\n");

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`error: ${BAD_LINE_3}\n`);
    expect(run.stderr).not.toContain("secret");
    expect(JSON.parse(run.stdout)).toEqual({
      purged: 0,
      failed: 0,
      keys: [],
      dryRun: false,
      via: "worker",
      errors: [BAD_LINE_3],
    });
  });

  it("prints only the error for an invalid stdin line", async () => {
    const run = await runPurgeCli(["--stdin"], {}, "abc123\n\nsecret token\n");

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`error: ${BAD_LINE_3}\n`);
    expect(run.stdout).toBe("");
  });

  it.each([
    ["empty", ""],
    ["blank", " \n\n\t\r\n"],
  ])("rejects %s standard input", async (_case, stdin) => {
    const run = await runPurgeCli(["--stdin"], {}, stdin);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`error: ${EMPTY_STDIN}\n`);
    expect(run.stdout).toBe("");
  });

  it("rejects empty standard input in a dry run", async () => {
    const run = await runPurgeCli(["--stdin", "--dry-run"]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`error: ${EMPTY_STDIN}\n`);
    expect(run.stdout).toBe("");
  });

  it("reports empty standard input in JSON", async () => {
    const run = await runPurgeCli(["--stdin", "--json"]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`error: ${EMPTY_STDIN}\n`);
    expect(JSON.parse(run.stdout)).toEqual({
      purged: 0,
      failed: 0,
      keys: [],
      dryRun: false,
      via: "worker",
      errors: [EMPTY_STDIN],
    });
  });

  it("accepts empty standard input beside a token argument", async () => {
    const run = await runPurgeCli(["--stdin", "--dry-run", "abc123"], {
      ADMIN_SECRET: "s",
      GATEWAY_URL: "http://127.0.0.1:9",
    });

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      "Would purge 6ca13d52\nDry run: 1 key would be purged through the Worker at http://127.0.0.1:9; nothing was changed.\n",
    );
    expect(run.stderr).toBe("");
  });

  it("documents options and exit codes in --help", async () => {
    const run = await runPurgeCli(["--help"]);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    for (const text of [
      "--stdin",
      "--instance <uuid>",
      "--all",
      "--via <worker|cloudflare>",
      "--env <name>",
      "--config <path>",
      "--dry-run",
      "--json",
      "GATEWAY_URL",
      "ADMIN_SECRET",
      "SUPABASE_URL",
      "SUPABASE_SERVICE_ROLE_KEY",
      "CLOUDFLARE_ACCOUNT_ID",
      "CLOUDFLARE_API_TOKEN",
      "CLOUDFLARE_API_BASE_URL",
      "(default http://127.0.0.1:8787, the local stack)",
      "Exit codes:",
    ]) {
      expect(run.stdout).toContain(text);
    }
  });
});

describe("purge-token configuration errors", () => {
  it("exits 1 naming an unreachable gateway", async () => {
    const gatewayUrl = `http://127.0.0.1:${await closedPort()}`;

    const run = await runPurgeCli(["abc123", "--json"], { GATEWAY_URL: gatewayUrl });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      [
        "note: ADMIN_SECRET is not set; using the local stack's value",
        `error: could not reach the gateway at ${gatewayUrl} (ECONNREFUSED); start the local stack with \`npm start\`, set GATEWAY_URL to the deployed Worker, or purge through Cloudflare's API with --via cloudflare`,
        "",
      ].join("\n"),
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ purged: 0, failed: 1, keys: [] });
  });

  it("exits 2 without ADMIN_SECRET for a remote gateway", async () => {
    const run = await runPurgeCli(["abc123"], { GATEWAY_URL: "https://gateway.example.com/" });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "error: ADMIN_SECRET is not set; set it for https://gateway.example.com (the local default applies only when GATEWAY_URL is on this machine)\n",
    );
    expect(run.stdout).toBe("");
  });

  it("exits 2 for a GATEWAY_URL that is not http", async () => {
    const run = await runPurgeCli(["abc123"], { GATEWAY_URL: "ftp://127.0.0.1" });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: GATEWAY_URL must start with http:// or https://\n");
  });

  it("lists a token's hash in a dry run without a server", async () => {
    const run = await runPurgeCli(["--dry-run", " abc123 "], {
      ADMIN_SECRET: "s",
      GATEWAY_URL: "http://127.0.0.1:9",
    });

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      "Would purge 6ca13d52\nDry run: 1 key would be purged through the Worker at http://127.0.0.1:9; nothing was changed.\n",
    );
    expect(run.stderr).toBe("");
  });
});
