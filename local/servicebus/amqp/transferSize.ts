// Measures each incoming transfer as its frames arrive, so that one over the size limit is refused without being
// buffered whole: rhea assembles a transfer's frames before it hands over the message, and has no hook of its own.
import type { Receiver, Session } from "rhea";

interface TransferFrame {
  performative: { more?: boolean; message_format?: number };
  payload?: Buffer;
}

interface PartialDelivery {
  frames?: Buffer[];
  format: number;
}

interface ReceiverInternals {
  _incomplete?: PartialDelivery;
}

interface IncomingInternals {
  on_transfer(frame: TransferFrame, receiver: Receiver): void;
}

/**
 * A message format rhea does not decode, given to a transfer once it is known to be too large: its frames are
 * dropped as they come, and the message handler gets an empty buffer it must refuse (see `transferSize`).
 */
const DISCARDED_FORMAT = 0xffff_fffe;
const EMPTY = Buffer.alloc(0);

/** Bytes of the transfer in progress (or just completed) on each link, and whether it went over the limit. */
const progress = new WeakMap<Receiver, { bytes: number; oversized: boolean }>();

/** Starts measuring the transfers of a session's links that declare a max_message_size. */
export function measureTransfers(
  session: Session,
  limitOf: (receiver: Receiver) => number | undefined,
): void {
  const incoming = (session as unknown as { incoming: IncomingInternals }).incoming;
  const original = incoming.on_transfer.bind(incoming);
  incoming.on_transfer = (frame, receiver) => {
    const limit = limitOf(receiver);
    if (limit === undefined) {
      original(frame, receiver);
      return;
    }
    const partial = (receiver as unknown as ReceiverInternals)._incomplete;
    const before = partial ? (progress.get(receiver) ?? { bytes: 0, oversized: false }) : undefined;
    const bytes = (before?.bytes ?? 0) + (frame.payload?.length ?? 0);
    const oversized = (before?.oversized ?? false) || bytes > limit;
    progress.set(receiver, { bytes, oversized });
    if (oversized) {
      // Keep counting, but keep nothing: the transfer will be refused once its last frame is in.
      if (partial) {
        partial.frames = [];
        partial.format = DISCARDED_FORMAT;
      }
      frame.payload = EMPTY;
      frame.performative.message_format = DISCARDED_FORMAT;
    }
    original(frame, receiver);
  };
}

/** The size of the transfer whose message is being handled, and whether it went over its link's limit. */
export function transferSize(receiver: Receiver): { bytes: number; oversized: boolean } | undefined {
  return progress.get(receiver);
}
