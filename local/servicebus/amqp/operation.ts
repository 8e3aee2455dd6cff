// The shape of a $management operation: a function from the decoded request to a status and a body map.
import type { Namespace } from "../broker/namespace.js";

/** What an operation gets: the entity path (address without `/$management`), the request body and the namespace. */
export interface OperationRequest {
  readonly entityPath: string;
  readonly body: Record<string, unknown>;
  readonly namespace: Namespace;
  readonly now: number;
}

/** An operation's answer: 200 with a body, or 204 (nothing found) which peek and enumerate-rules expect. */
export type OperationResult = { status: 200; body: Record<string, unknown> } | { status: 204 };

export type Operation = (request: OperationRequest) => OperationResult;

export const ok = (body: Record<string, unknown> = {}): OperationResult => ({ status: 200, body });
export const noContent = (): OperationResult => ({ status: 204 });
