import { type ChildProcess, spawn } from "node:child_process";
import { createConnection } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const START_TIMEOUT_MS = 30_000;

// Ports away from the defaults so that a developer's running `npm start` does not collide.
const PORTS = {
  WORKER_PORT: 28787,
  SUPABASE_API_PORT: 28321,
  SUPABASE_DB_PORT: 28322,
  EDGE_FUNCTIONS_PORT: 28326,
  WHATSAPP_SANDBOX_PORT: 28330,
};
const GATEWAY = `http://127.0.0.1:${PORTS.WORKER_PORT}`;
const SANDBOX = `http://127.0.0.1:${PORTS.WHATSAPP_SANDBOX_PORT}`;

let stack: ChildProcess;
const output: string[] = [];

beforeAll(async () => {
  stack = spawn(path.join(REPO_ROOT, "node_modules", ".bin", "tsx"), ["scripts/start.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...mapValues(PORTS, String) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`npm start was not ready in ${START_TIMEOUT_MS} ms:\n${output.join("\n")}`));
    }, START_TIMEOUT_MS);
    for (const stream of [stack.stdout, stack.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on("line", (line) => {
        output.push(line);
        if (line.startsWith("Local stack ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    stack.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output.join("\n")}`));
    });
  });
}, START_TIMEOUT_MS + 5_000);

afterAll(async () => {
  if (stack.exitCode === null) {
    const exited = new Promise((resolve) => stack.once("exit", resolve));
    stack.kill("SIGINT");
    await exited;
  }
});

function mapValues<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

function sendText(token: string | undefined, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token !== undefined) headers.token = token;
  return fetch(`${GATEWAY}/whatsapp/send-text`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
}

async function sandboxMessages(): Promise<unknown> {
  const response = await fetch(`${SANDBOX}/messages`);
  expect(response.status).toBe(200);
  return response.json();
}

function isPortOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("local stack", () => {
  it("delivers the two connected clients' messages and refuses the third", async () => {
    const joao = await sendText("abc123", { number: "5511999999999", text: "Olá do João" });
    const joaoBody = await joao.json();
    expect(joao.status).toBe(200);
    expect(joaoBody).toEqual({
      status: "sent",
      messageId: expect.any(String),
      requestId: joao.headers.get("X-Request-ID"),
    });

    const maria = await sendText("def456", { number: "5521988887777", text: "Olá da Maria" });
    expect(maria.status).toBe(200);
    expect((await maria.json()).status).toBe("sent");

    const pedro = await sendText("ghi789", { number: "5531977776666", text: "Olá do Pedro" });
    expect(pedro.status).toBe(401);
    expect(await pedro.json()).toEqual({
      error: { code: "instance_disconnected", message: "Instance is disconnected" },
      requestId: pedro.headers.get("X-Request-ID"),
    });

    expect(await sandboxMessages()).toEqual([
      { number: "5511999999999", text: "Olá do João" },
      { number: "5521988887777", text: "Olá da Maria" },
    ]);
  });

  it.each([
    ["missing token", undefined, "missing_token"],
    ["unknown token", "zzz999", "invalid_token"],
  ])("answers 401 for a %s and sends nothing", async (_case, token, code) => {
    const before = await sandboxMessages();
    const response = await sendText(token, { number: "5511999999999", text: "should not leave" });
    const body = await response.json();
    expect(response.status).toBe(401);
    expect(body.error.code).toBe(code);
    expect(body.requestId).toBe(response.headers.get("X-Request-ID"));
    expect(await sandboxMessages()).toEqual(before);
  });

  it("answers the health check with a request id", async () => {
    const response = await fetch(`${GATEWAY}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Request-ID")).toMatch(/\S/);
  });

  it("stops every part on SIGINT", async () => {
    const exited = new Promise<number | null>((resolve) => stack.once("exit", resolve));
    stack.kill("SIGINT");
    expect(await exited).toBe(0);
    for (const port of Object.values(PORTS)) {
      expect(await isPortOpen(port), `port ${port} still open`).toBe(false);
    }
  }, 15_000);
});
