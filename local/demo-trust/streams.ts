// The demo trust as an SSF receiver (API.md sections 5 and 8): it finds the service's stream endpoints in the
// transmitter metadata, switches a trust between push and poll by creating or updating that trust's stream, and
// offers each trust's stream view and its pause, enable and verify buttons to the page.
import type { DemoTrustKeys, TrustApi } from "./trustApi.js";

const PUSH = "urn:ietf:rfc:8935";
const POLL = "urn:ietf:rfc:8936";

type Metadata = { configuration_endpoint: string; status_endpoint: string; verification_endpoint: string };
type StreamConfig = { stream_id: string; delivery: { method: string; endpoint_url?: string } };
type Answer = { status: number; body: unknown };

export type StreamView = {
  trustId: string;
  /** Why the stream could not be read (an inactive trust's token is refused). */
  error?: string;
  /** Absent while the trust has not made its stream: it then receives as its trust document says. */
  streamId?: string;
  method?: "push" | "poll";
  status?: string;
};

export function streamControl(keys: DemoTrustKeys, api: TrustApi, audiences: readonly string[]) {
  // SSF 1.0 section 7.2: the metadata sits at the issuer's origin; the issuer has no path.
  const metadataUrl = `${new URL(api.baseUrl).origin}/.well-known/ssf-configuration`;
  let metadata: Metadata | undefined;
  const discover = async (): Promise<Metadata> => {
    if (metadata !== undefined) return metadata;
    const response = await fetch(metadataUrl);
    if (!response.ok) throw new Error(`the service's SSF metadata answered ${response.status}`);
    metadata = (await response.json()) as Metadata;
    return metadata;
  };

  const callAs = async (trustId: string, method: string, url: string, body?: unknown): Promise<Answer> => {
    const token = await keys.token(trustId, api.audience);
    if (token === undefined)
      return { status: 400, body: { error: "trustId must be a trust this demo plays" } };
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
  };

  /** The trust's stream, or undefined while it has none (GET without stream_id is always a list). */
  const streamOf = async (trustId: string): Promise<StreamConfig | undefined> => {
    const { configuration_endpoint } = await discover();
    const answer = await callAs(trustId, "GET", configuration_endpoint);
    if (answer.status !== 200 || !Array.isArray(answer.body))
      throw new Error(`stream read answered ${answer.status}`);
    return (answer.body as StreamConfig[])[0];
  };

  const streamIdOf = async (trustId: string): Promise<string | undefined> =>
    (await streamOf(trustId))?.stream_id;

  /** Push to this demo trust's POST /events, or poll: the stream is created the first time, updated after. */
  async function setDelivery(
    trustId: string,
    method: "push" | "poll",
    pushEndpoint: string,
  ): Promise<Answer> {
    const delivery = method === "push" ? { method: PUSH, endpoint_url: pushEndpoint } : { method: POLL };
    const { configuration_endpoint } = await discover();
    const streamId = await streamIdOf(trustId);
    return streamId === undefined
      ? callAs(trustId, "POST", configuration_endpoint, { delivery })
      : callAs(trustId, "PATCH", configuration_endpoint, { stream_id: streamId, delivery });
  }

  async function view(trustId: string): Promise<StreamView> {
    let stream: StreamConfig | undefined;
    try {
      stream = await streamOf(trustId);
    } catch (error) {
      return { trustId, error: error instanceof Error ? error.message : "the stream could not be read" };
    }
    if (stream === undefined) return { trustId };
    const { status_endpoint } = await discover();
    const status = await callAs(
      trustId,
      "GET",
      `${status_endpoint}?stream_id=${encodeURIComponent(stream.stream_id)}`,
    );
    return {
      trustId,
      streamId: stream.stream_id,
      method: stream.delivery.method === PUSH ? "push" : "poll",
      ...(status.status === 200 ? { status: String((status.body as { status?: unknown }).status) } : {}),
    };
  }

  const trustOf = (body: unknown) => {
    const trustId = (body as { trustId?: unknown } | undefined)?.trustId;
    return typeof trustId === "string" && audiences.includes(trustId) ? trustId : undefined;
  };
  const noTrust: Answer = { status: 400, body: { error: `trustId must be one of ${audiences.join(", ")}` } };
  const noStream: Answer = {
    status: 409,
    body: { error: "the trust has no stream yet: choose push or poll first" },
  };

  const routes: Readonly<Record<string, (body: unknown) => Promise<Answer>>> = {
    "GET /control/streams": async () => ({
      status: 200,
      body: { streams: await Promise.all(audiences.map((trustId) => view(trustId))) },
    }),
    // Pause or enable: SSF 1.0 section 8.1.2.2.
    "POST /control/stream-status": async (body) => {
      const trustId = trustOf(body);
      if (trustId === undefined) return noTrust;
      const status = (body as { status?: unknown }).status;
      const streamId = await streamIdOf(trustId);
      if (streamId === undefined) return noStream;
      return callAs(trustId, "POST", (await discover()).status_endpoint, { stream_id: streamId, status });
    },
    // SSF 1.0 section 8.1.4.2: the verification event comes back through the stream with this state.
    "POST /control/verify": async (body) => {
      const trustId = trustOf(body);
      if (trustId === undefined) return noTrust;
      const streamId = await streamIdOf(trustId);
      if (streamId === undefined) return noStream;
      const state = `demo-${Date.now()}`;
      const answer = await callAs(trustId, "POST", (await discover()).verification_endpoint, {
        stream_id: streamId,
        state,
      });
      return answer.status === 204 ? { status: 200, body: { trustId, state } } : answer;
    },
  };

  return {
    setDelivery,
    handles: (route: string) => route in routes,
    answer: (route: string, body: unknown): Promise<Answer> =>
      routes[route]?.(body) ?? Promise.resolve({ status: 404, body: {} }),
  };
}
