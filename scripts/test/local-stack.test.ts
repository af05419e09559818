import { createConnection } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  portsFrom,
  type StackProcess,
  sandboxMessages,
  sendText,
  startStackProcess,
} from "./helpers/local-stack-process.ts";

let stack: StackProcess;

beforeAll(async () => {
  stack = await startStackProcess(portsFrom(28780));
}, 35_000);

afterAll(async () => {
  await stack.stop();
});

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
    const joao = await sendText(stack.gatewayUrl, "abc123", {
      number: "5511999999999",
      text: "Olá do João",
    });
    const joaoBody = await joao.json();
    expect(joao.status).toBe(200);
    expect(joaoBody).toEqual({
      status: "sent",
      messageId: expect.any(String),
      requestId: joao.headers.get("X-Request-ID"),
    });

    const maria = await sendText(stack.gatewayUrl, "def456", {
      number: "5521988887777",
      text: "Olá da Maria",
    });
    expect(maria.status).toBe(200);
    expect((await maria.json()).status).toBe("sent");

    const pedro = await sendText(stack.gatewayUrl, "ghi789", {
      number: "5531977776666",
      text: "Olá do Pedro",
    });
    expect(pedro.status).toBe(401);
    expect(await pedro.json()).toEqual({
      error: { code: "instance_disconnected", message: "Instance is disconnected" },
      requestId: pedro.headers.get("X-Request-ID"),
    });

    expect(await sandboxMessages(stack.sandboxUrl)).toEqual([
      { number: "5511999999999", text: "Olá do João" },
      { number: "5521988887777", text: "Olá da Maria" },
    ]);
  });

  it.each([
    ["missing token", undefined, "missing_token"],
    ["unknown token", "zzz999", "invalid_token"],
  ])("answers 401 for a %s and sends nothing", async (_case, token, code) => {
    const before = await sandboxMessages(stack.sandboxUrl);
    const response = await sendText(stack.gatewayUrl, token, {
      number: "5511999999999",
      text: "should not leave",
    });
    const body = await response.json();
    expect(response.status).toBe(401);
    expect(body.error.code).toBe(code);
    expect(body.requestId).toBe(response.headers.get("X-Request-ID"));
    expect(await sandboxMessages(stack.sandboxUrl)).toEqual(before);
  });

  it("answers the health check with a request id", async () => {
    const response = await fetch(`${stack.gatewayUrl}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Request-ID")).toMatch(/\S/);
  });

  it("stops every part on SIGINT", async () => {
    expect(await stack.stop()).toBe(0);
    for (const port of Object.values(stack.ports)) {
      expect(await isPortOpen(port), `port ${port} still open`).toBe(false);
    }
  }, 15_000);
});
