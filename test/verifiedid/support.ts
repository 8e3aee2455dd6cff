// Test support: a callback receiver that records what the simulator posts, and small request helpers.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export type ReceivedCallback = {
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
};

export type CallbackReceiver = {
  readonly url: string;
  readonly received: ReceivedCallback[];
  close(): Promise<void>;
};

/** Plays the service's callback endpoint on 127.0.0.1, any free port; answers 200 and records each call. */
export async function startCallbackReceiver(): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/verifiedid/callback`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A local port nothing listens on: bound once, then released. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ readonly status: number; readonly body: unknown; readonly headers: Headers }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? undefined : JSON.parse(text),
    headers: response.headers,
  };
}

export async function getJson(url: string): Promise<{ readonly status: number; readonly body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

/** A createPresentationRequest body the real service accepts, to be spoiled one field at a time. */
export function validCreateBody(callbackUrl: string): Record<string, unknown> {
  return {
    authority: "did:web:verifier.staffpassport.nhs.uk",
    includeQRCode: true,
    includeReceipt: true,
    registration: {
      clientName: "Guy's and St Thomas' NHS Foundation Trust",
      purpose: "Log in to the portal",
    },
    callback: { url: callbackUrl, state: "state-1", headers: { "api-key": "key-1" } },
    requestedCredentials: [
      {
        type: "StaffPassportAccessKey",
        purpose: "Log in",
        acceptedIssuers: ["did:web:rj1.staffpassport.nhs.uk"],
        configuration: { validation: { allowRevoked: false, validateLinkedDomain: true } },
      },
    ],
  };
}

export const BEARER = { authorization: "Bearer local-test-token" };
