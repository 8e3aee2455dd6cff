// Test support: a callback receiver that records what the simulator posts, a stand-in server that plays the
// Request Service's awkward answers, and small request helpers.
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/** Listens on 127.0.0.1, any free port; closing drops every connection, including requests left unanswered. */
async function listen(server: Server): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type ReceivedCallback = {
  /** The path and query the callback was posted to. */
  readonly path: string;
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
      received.push({
        path: request.url ?? "",
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
      });
      response.writeHead(200).end();
    });
  });
  const { port, close } = await listen(server);
  return { url: `http://127.0.0.1:${port}/api/verifiedid/callback`, received, close };
}

export type StandInRequest = {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
};

export type StandIn = {
  /** Base URL to give the client in place of the Request Service's. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: StandInRequest[];
  /** Requests whose connection the client closed before any answer. */
  readonly abandoned: StandInRequest[];
  close(): Promise<void>;
};

/** How the stand-in answers one request; an answer that never ends the response leaves the request hanging. */
export type StandInAnswer = (
  request: StandInRequest,
  body: Buffer,
  response: ServerResponse,
) => void | Promise<void>;

/** A real HTTP server on 127.0.0.1 standing in for the Request Service, each request answered by `answer`. */
export async function startStandIn(answer: StandInAnswer): Promise<StandIn> {
  const requests: StandInRequest[] = [];
  const abandoned: StandInRequest[] = [];
  const server = createServer((incoming: IncomingMessage, response) => {
    const request = {
      method: incoming.method ?? "GET",
      path: incoming.url ?? "/",
      headers: incoming.headers,
    };
    requests.push(request);
    response.on("close", () => {
      if (!response.writableFinished) abandoned.push(request);
    });
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      Promise.resolve(answer(request, Buffer.concat(chunks), response)).catch(() => response.destroy());
    });
  });
  const { port, close } = await listen(server);
  return { url: `http://127.0.0.1:${port}`, requests, abandoned, close };
}

/** An answer that passes the request on to another server (the simulator) and plays its response back. */
export function forwardingTo(baseUrl: string): StandInAnswer {
  return async (request, body, response) => {
    const headers = Object.entries(request.headers).flatMap(([name, value]) =>
      typeof value === "string" && name !== "host" && name !== "content-length"
        ? [[name, value] as [string, string]]
        : [],
    );
    const upstream = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers,
      ...(body.length > 0 ? { body } : {}),
    });
    response.writeHead(upstream.status, {
      "content-type": upstream.headers.get("content-type") ?? "text/plain",
    });
    response.end(Buffer.from(await upstream.arrayBuffer()));
  };
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
        configuration: { validation: { allowRevoked: true, validateLinkedDomain: true } },
      },
    ],
  };
}

export const BEARER = { authorization: "Bearer local-test-token" };
