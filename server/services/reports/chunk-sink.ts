import { Writable } from 'node:stream';

/** Bytes of a stored workbook per chunk: small enough to hold one at a time, few enough rows per report. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * A writable that stores what is written in chunks of about CHUNK_BYTES (the writes that reach it; the last one
 * smaller) through `store(seq, bytes)`, one at a time:
 * a write waits while a chunk is being stored, so a streaming workbook writer behind it holds at most a chunk.
 * `size` is the bytes written so far.
 */
export class ChunkSink extends Writable {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private seq = 0;
  size = 0;

  constructor(private readonly store: (seq: number, bytes: Buffer) => Promise<void>) {
    super({ highWaterMark: CHUNK_BYTES });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.size += chunk.length;
    if (this.pendingBytes < CHUNK_BYTES) return done();
    this.flush().then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.flush().then(() => done(), done);
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const bytes = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    await this.store(this.seq++, bytes);
  }
}
