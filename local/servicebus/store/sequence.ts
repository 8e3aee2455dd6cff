// Hands out the broker's sequence numbers: increasing per entity, starting at 1, never reused while running.

export class SequenceCounter {
  private last = 0;

  next(): number {
    this.last += 1;
    return this.last;
  }
}
