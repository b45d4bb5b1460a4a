/**
 * Text encoded straight into UTF-8 pieces of a fixed size. Each text is written as it comes, so no long
 * string is ever built: concatenating a piece's worth of text first made a rope that lived through several
 * young-generation collections (and was promoted), then a flat copy of it (a large object when it held any
 * non-Latin-1 character), then the bytes; all three were garbage a moment later.
 */
export class Utf8Pieces {
  private piece: Buffer;
  private used = 0;

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
    this.piece = Buffer.allocUnsafe(this.size);
    this.used = 0;
    return full;
  }
}
