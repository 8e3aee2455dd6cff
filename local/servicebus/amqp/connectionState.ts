// What the server remembers per client connection: the resources its CBS tokens grant, and its receiving links.
import type { Connection, Sender, Session } from "rhea";

export interface Detachable {
  readonly sender: Sender;
  onDetached(): void;
}

export class ConnectionState {
  /** Expiry by granted path: a newer token for the same audience replaces the older one. */
  private readonly grants = new Map<string, number>();
  /** Receiving links still attached; each removes itself when it detaches. */
  readonly links = new Set<Detachable>();

  get grantCount(): number {
    return this.grants.size;
  }

  grant(path: string, expiresAt: number, now: number): void {
    for (const [granted, until] of this.grants) {
      if (until <= now) this.grants.delete(granted);
    }
    this.grants.set(path, expiresAt);
  }

  /** Links in an AMQP session that ended: ending a session ends its links, detached or not. */
  linksIn(session: Session): Detachable[] {
    return [...this.links].filter((link) => link.sender.session === session);
  }

  /** True when a live token covers the address (an entity path, its sub-queues and its $management node). */
  isAuthorized(address: string, now: number): boolean {
    const path = address.toLowerCase();
    for (const [granted, until] of this.grants) {
      if (until > now && (granted === "" || path === granted || path.startsWith(`${granted}/`))) return true;
    }
    return false;
  }
}

const states = new WeakMap<Connection, ConnectionState>();

export function connectionState(connection: Connection): ConnectionState {
  let state = states.get(connection);
  if (!state) {
    state = new ConnectionState();
    states.set(connection, state);
  }
  return state;
}
