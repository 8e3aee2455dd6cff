// Remembers message ids sent to an entity within its duplicate-detection window.

export class DuplicateWindow {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** True when the id was already seen inside the window; otherwise records it and returns false. */
  isDuplicate(messageId: string, now: number): boolean {
    const expiresAt = this.seen.get(messageId);
    if (expiresAt !== undefined && expiresAt > now) return true;
    // Re-inserting keeps the map ordered by expiry, which lets prune stop at the first live entry.
    this.seen.delete(messageId);
    this.seen.set(messageId, now + this.windowMs);
    return false;
  }

  prune(now: number): void {
    for (const [id, expiresAt] of this.seen) {
      if (expiresAt > now) return;
      this.seen.delete(id);
    }
  }
}
