// Typed access to the parts of rhea this server needs but rhea's typings leave out: link attach frames and the
// delivery outcome constructors.
import rhea, { type AmqpError, type link } from "rhea";

interface Terminus {
  address?: string;
  filter?: Record<string, unknown>;
}

interface AttachFields {
  source?: Terminus;
  target?: Terminus;
  snd_settle_mode?: number;
  rcv_settle_mode?: number;
  max_message_size?: number;
  properties?: Record<string, unknown>;
}

interface LinkInternals {
  local: { attach: AttachFields };
  remote: { attach?: AttachFields };
}

interface Outcomes {
  accepted(): { described(): unknown };
  rejected(fields: { error?: AmqpError }): { described(): unknown };
}

const internals = (l: link): LinkInternals => l as unknown as LinkInternals;

export const remoteAttach = (l: link): AttachFields => internals(l).remote.attach ?? {};
export const localAttach = (l: link): AttachFields => internals(l).local.attach;

export const remoteSourceAddress = (l: link): string | undefined => remoteAttach(l).source?.address;
export const remoteTargetAddress = (l: link): string | undefined => remoteAttach(l).target?.address;

const outcomes = rhea.message as unknown as Outcomes;

export const acceptedOutcome = (): unknown => outcomes.accepted().described();
export const rejectedOutcome = (error: AmqpError): unknown => outcomes.rejected({ error }).described();

interface SenderDrainState {
  _draining: boolean;
  _drained: boolean;
  credit: number;
  delivery_count: number;
  _get_drain(): boolean;
}

/**
 * rhea answers a drain only while credit is left. When the last credit was used by transfers that crossed the
 * client's drain request, the client would wait for an answer that never comes (and the SDK then closes its link),
 * so this sender answers every completed drain, with zero credit if need be.
 */
export function answerEveryDrain(sender: link): void {
  const state = sender as unknown as SenderDrainState;
  state._get_drain = () => {
    if (!state._draining || !state._drained) return false;
    state.delivery_count += state.credit;
    state.credit = 0;
    state._draining = false;
    return true;
  };
}

interface EndpointStateInternals {
  local_open: boolean;
  open_requests: number;
}

/**
 * rhea opens a link as soon as the client's attach arrives and writes the answering attach when the current event
 * is done. This takes that answer back so that the attach can be held (until `link.open()` sends it).
 */
export function holdAttach(l: link): void {
  const state = (l as unknown as { state: EndpointStateInternals }).state;
  if (state.local_open && state.open_requests > 0) {
    state.local_open = false;
    state.open_requests -= 1;
  }
}

interface OutgoingInternals {
  next_pending_delivery: number;
  next_delivery_id: number;
  deliveries: { by_id(id: number): { link: unknown } | undefined };
}

/** The link credit rhea holds for a sender (its typings leave the field out). */
export const linkCredit = (sender: link): number => (sender as unknown as { credit: number }).credit;

/**
 * Deliveries handed to `sender.send` that rhea has not transferred yet. rhea takes a transfer from the link's credit
 * only when it writes it (once the current event is done), so until then `credit` and `sendable()` still count it.
 */
export function unsentDeliveries(sender: link): number {
  const outgoing = (sender.session as unknown as { outgoing: OutgoingInternals }).outgoing;
  let count = 0;
  for (let id = outgoing.next_pending_delivery; id < outgoing.next_delivery_id; id++) {
    if (outgoing.deliveries.by_id(id)?.link === sender) count += 1;
  }
  return count;
}
