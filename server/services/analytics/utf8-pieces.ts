/**
 * Text encoded straight into UTF-8 pieces of a fixed size. Each text is written as it comes, so no long
 * string is ever built: concatenating a piece's worth of text first made a rope that lived through several
 * young-generation collections (and was promoted), then a flat copy of it (a large object when it held any
 * non-Latin-1 character), then the bytes; all three were garbage a moment later.
 */
export class Utf8Pieces {
  private piece: Buffer;
  private used = 0;
  /** Pieces written out and handed back (`release`), to fill again. */
  private readonly free: Buffer[] = [];

  constructor(private readonly size: number) {
    this.piece = Buffer.allocUnsafe(size);
  }

  /** Adds `text`; answers the piece it completed, to hand out before anything else, when `text` did not fit. */
  add(text: string): Buffer | undefined {
    // NOTE: a UTF-16 code unit is at most 3 bytes of UTF-8: checked without measuring the text.
    const most = text.length * 3;
    let full: Buffer | undefined;
    if (most > this.piece.length - this.used) {
      full = this.used > 0 ? this.take() : undefined;
      if (most > this.piece.length) this.piece = Buffer.allocUnsafe(most);
    }
    this.used += this.piece.write(text, this.used);
    return full;
  }

  /** What was added since the last piece, as a piece of its own (maybe empty). */
  take(): Buffer {
    const full = this.piece.subarray(0, this.used);
    this.piece = this.free.pop() ?? Buffer.allocUnsafe(this.size);
    this.used = 0;
    return full;
  }

  /**
   * Hands back a piece `take` or `add` answered, once its bytes are written out, to be filled again. A fresh
   * piece per 64 KB lived through a few young-generation collections while the socket sent it, was promoted,
   * and its memory (outside V8's heap) waited for a full collection: once 46 MB of them in a million-row export.
   */
  release(piece: Buffer): void {
    const whole = piece.buffer;
    if (whole.byteLength === this.size && piece.byteOffset === 0 && this.free.length < MAX_FREE) this.free.push(Buffer.from(whole, 0, this.size));
  }
}

/** Pieces kept for reuse: the ones a paused output still holds, and one more. */
const MAX_FREE = 4;
