// Control endpoints for tests and demos: revoke a credential, inject create failures, expire or inspect a
// request, list issuer keys. They have no counterpart in Microsoft's service.
import { z } from "zod";
import type { SimulatorContext } from "./context.js";
import { parseBody, type Route, simulatorError } from "./http.js";

const revokeSchema = z.object({
  walletId: z.string().min(1),
  type: z.string().min(1),
  issuer: z.string().min(1).exactOptional(),
});

const faultSchema = z.object({
  createStatus: z.union([z.literal(429), z.literal(503)]),
  count: z.number().int().min(1).max(100).default(1),
  retryAfterSeconds: z.number().int().min(0).max(3600).exactOptional(),
});

export function controlRoutes(context: SimulatorContext): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/health$/,
      handle: () => ({ status: 200, body: { status: "ok" } }),
    },
    {
      method: "POST",
      pattern: /^\/control\/credentials\/revoke$/,
      handle: ({ text }) => {
        const input = parseBody(text, revokeSchema);
        if (!input.ok) return input.reply;
        const { walletId, type, issuer } = input.value;
        const revoked = context.wallets.revoke(walletId, type, issuer);
        if (revoked === 0)
          return simulatorError(404, "credentialNotFound", "The wallet holds no such credential.");
        return { status: 200, body: { walletId, type, revoked } };
      },
    },
    {
      method: "POST",
      pattern: /^\/control\/faults$/,
      handle: ({ text }) => {
        const input = parseBody(text, faultSchema);
        if (!input.ok) return input.reply;
        const { createStatus, count, retryAfterSeconds } = input.value;
        context.fault = {
          status: createStatus,
          remaining: count,
          ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
        };
        return { status: 204 };
      },
    },
    {
      method: "DELETE",
      pattern: /^\/control\/faults$/,
      handle: () => {
        context.fault = undefined;
        return { status: 204 };
      },
    },
    {
      method: "GET",
      pattern: /^\/control\/requests\/([^/]+)$/,
      handle: ({ params }) => {
        const request = context.requests.get(params[0] ?? "");
        if (request === undefined)
          return simulatorError(404, "requestNotFound", "No such presentation request.");
        const { requestId, status, expiry, body } = request;
        return {
          status: 200,
          body: { requestId, status, expiry, expired: context.requests.isExpired(request), body },
        };
      },
    },
    {
      method: "POST",
      pattern: /^\/control\/requests\/([^/]+)\/expire$/,
      handle: ({ params }) => {
        const request = context.requests.get(params[0] ?? "");
        if (request === undefined)
          return simulatorError(404, "requestNotFound", "No such presentation request.");
        context.requests.expire(request);
        return { status: 204 };
      },
    },
    {
      method: "GET",
      pattern: /^\/control\/issuers$/,
      handle: async () => ({ status: 200, body: { issuers: await context.issuers.list() } }),
    },
  ];
}
