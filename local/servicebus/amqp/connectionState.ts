// What the server remembers per client connection: the resources its CBS tokens grant, and its receiving links.
import type { Connection, Sender, Session } from "rhea";

interface Grant {
  readonly path: string;
  readonly expiresAt: number;
}

export interface Detachable {
  readonly sender: Sender;
  onDetached(): void;
}

export class ConnectionState {
  private readonly grants: Grant[] = [];
  readonly links = new Set<Detachable>();

  grant(path: string, expiresAt: number): void {
    this.grants.push({ path, expiresAt });
  }

  /** True when a live token covers the address (an entity path, its sub-queues and its $management node). */
  /** Links in an AMQP session that ended: ending a session ends its links, detached or not. */
  linksIn(session: Session): Detachable[] {
    return [...this.links].filter((link) => link.sender.session === session);
  }

  isAuthorized(address: string, now: number): boolean {
    const path = address.toLowerCase();
    return this.grants.some(
      (g) => g.expiresAt > now && (g.path === "" || path === g.path || path.startsWith(`${g.path}/`)),
    );
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
