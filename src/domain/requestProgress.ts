// How every Verified ID request moves, whatever it is for: pending → scanned → done | failed, or expired when
// time runs out first. Logins and shares differ only in what "done" holds (see login.ts and share.ts).

/** A stored error on a failed request: a refusal code or the Request Service's own `presentation_error`. */
export type RequestError = { readonly code: string; readonly message: string };

export type Pending = { readonly status: "pending" };
export type Scanned = { readonly status: "scanned"; readonly scannedAt: string };
export type Failed = { readonly status: "failed"; readonly failedAt: string; readonly error: RequestError };

/** What a callback reported, already judged by the acceptance rules: `done` carries the kind's outcome. */
export type ProgressEvent<Done> =
  | { readonly type: "retrieved" }
  | { readonly type: "done"; readonly progress: Done }
  | { readonly type: "failed"; readonly error: RequestError };

/** Why an event changed nothing: the request had already finished, had expired, or was already scanned. */
export type IgnoredReason = "final" | "expired" | "repeated";

export type Advance<P> =
  | { readonly changed: true; readonly progress: P }
  | { readonly changed: false; readonly reason: IgnoredReason };

/** Whether the request still waits for the wallet: pending or scanned. Anything else is final. */
export function isOpen(progress: { readonly status: string }): boolean {
  return progress.status === "pending" || progress.status === "scanned";
}

/** Whether `now` is at or past `expiresAt`. */
export function hasExpired(request: { readonly expiresAt: string }, now: Date): boolean {
  return now.getTime() >= Date.parse(request.expiresAt);
}

/** The status a reader sees: `expired` once past `expiresAt` while still open, else the stored one. */
export function effectiveStatus<S extends string>(
  request: { readonly expiresAt: string; readonly progress: { readonly status: S } },
  now: Date,
): S | "expired" {
  return isOpen(request.progress) && hasExpired(request, now) ? "expired" : request.progress.status;
}

/** Why no callback can move this request any more (finished, or out of time), or undefined while it can. */
export function whyIgnored(
  request: { readonly expiresAt: string; readonly progress: { readonly status: string } },
  now: Date,
): "final" | "expired" | undefined {
  if (!isOpen(request.progress)) return "final";
  return hasExpired(request, now) ? "expired" : undefined;
}

/**
 * Applies a callback event. Callbacks may repeat or arrive late, so anything that cannot move the request
 * forward changes nothing and says why; the caller answers 200 either way. A `done` or `failed` event is taken
 * from `pending` too, because a `request_retrieved` callback may be lost or arrive after the result.
 */
export function advance<Done>(
  request: { readonly expiresAt: string; readonly progress: { readonly status: string } },
  event: ProgressEvent<Done>,
  now: Date,
): Advance<Scanned | Failed | Done> {
  const ignored = whyIgnored(request, now);
  if (ignored !== undefined) return { changed: false, reason: ignored };
  switch (event.type) {
    case "retrieved":
      if (request.progress.status !== "pending") return { changed: false, reason: "repeated" };
      return { changed: true, progress: { status: "scanned", scannedAt: now.toISOString() } };
    case "done":
      return { changed: true, progress: event.progress };
    case "failed":
      return {
        changed: true,
        progress: {
          status: "failed",
          failedAt: now.toISOString(),
          error: { code: event.error.code, message: event.error.message },
        },
      };
  }
}
