import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { Reporter } from "../admin/output.ts";
import { PurgeTally } from "../admin/tally.ts";

function capture(isTTY: boolean) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY });
  const read = (stream: PassThrough) => stream.read()?.toString("utf8") ?? "";
  return { streams: { stdout, stderr }, stdout: () => read(stdout), stderr: () => read(stderr) };
}

const TARGET = { target: "through the Worker at http://127.0.0.1:8787", all: true, stopped: false };

describe("purge-token output", () => {
  it("rewrites one progress line on a terminal", () => {
    const io = capture(true);
    const reporter = new Reporter(io.streams, { json: false, listPurgedKeys: false });
    const tally = new PurgeTally(reporter);

    tally.recordPurgedCount(500);
    tally.progress("Purging all keys: 500 purged");
    tally.recordPurgedCount(20);
    tally.progress("Purging all keys: 520 purged");
    reporter.finish(tally.summarize("worker", false), TARGET);

    expect(io.stderr()).toBe(
      "\r\u001b[2KPurging all keys: 500 purged\r\u001b[2KPurging all keys: 520 purged\n",
    );
    expect(io.stdout()).toBe(
      "Purged 520 keys under instance-token:v1: through the Worker at http://127.0.0.1:8787.\n",
    );
  });

  it("ends the progress line before an error", () => {
    const io = capture(true);
    const reporter = new Reporter(io.streams, { json: false, listPurgedKeys: false });
    const tally = new PurgeTally(reporter);

    tally.progress("Purging all keys: 0 purged");
    tally.recordError("purge of all keys stopped");

    expect(io.stderr()).toBe(
      "\r\u001b[2KPurging all keys: 0 purged\nerror: purge of all keys stopped\n",
    );
  });

  it("writes plain progress lines when not on a terminal", () => {
    const io = capture(false);
    const reporter = new Reporter(io.streams, { json: true, listPurgedKeys: true });
    const tally = new PurgeTally(reporter);

    tally.progress("Listing all keys: 3 found");
    tally.recordPurged(["6ca13d52"]);
    reporter.finish(tally.summarize("cloudflare", false), { ...TARGET, all: false });

    expect(io.stderr()).toBe("Listing all keys: 3 found\n");
    expect(JSON.parse(io.stdout())).toEqual({
      purged: 1,
      failed: 0,
      keys: ["6ca13d52"],
      dryRun: false,
      via: "cloudflare",
      errors: [],
    });
  });
});
