/**
 * The demo's time-ordered to-do list: a binary min-heap on (time, order of insertion), so items due at the
 * same instant come out in a repeatable order.
 */
export class Agenda<T> {
  private readonly heap: Array<{ at: number; seq: number; item: T }> = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  add(at: number, item: T): void {
    const heap = this.heap;
    heap.push({ at, seq: this.seq++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** When the earliest item is due; undefined when empty. */
  peekTime(): number | undefined {
    return this.heap[0]?.at;
  }

  /** Removes and returns, earliest first, every item due at or before `until`. */
  takeUntil(until: number): Array<{ at: number; item: T }> {
    const taken: Array<{ at: number; item: T }> = [];
    while (this.heap.length && this.heap[0]!.at <= until) {
      const { at, item } = this.pop();
      taken.push({ at, item });
    }
    return taken;
  }

  private pop(): { at: number; item: T } {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && this.before(left, smallest)) smallest = left;
        if (right < heap.length && this.before(right, smallest)) smallest = right;
        if (smallest === i) break;
        this.swap(i, smallest);
        i = smallest;
      }
    }
    return top;
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const heap = this.heap;
    [heap[a], heap[b]] = [heap[b]!, heap[a]!];
  }
}
