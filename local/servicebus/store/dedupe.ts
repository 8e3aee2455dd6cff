// Remembers message ids sent to an entity within its duplicate-detection window.

export class DuplicateWindow {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** True when the id was accepted before, inside the window. */
  isDuplicate(messageId: string, now: number): boolean {
    const expiresAt = this.seen.get(messageId);
    return expiresAt !== undefined && expiresAt > now;
  }

  /** Records an id once its message has been accepted; a refused send must leave no trace. */
  remember(messageId: string, now: number): void {
    // Re-inserting keeps the map ordered by expiry, which lets prune stop at the first live entry.
    this.seen.delete(messageId);
    this.seen.set(messageId, now + this.windowMs);
  }

  prune(now: number): void {
    for (const [id, expiresAt] of this.seen) {
      if (expiresAt > now) return;
      this.seen.delete(id);
    }
  }
}
