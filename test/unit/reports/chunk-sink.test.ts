import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { ChunkSink, CHUNK_BYTES } from '../../../server/services/reports/chunk-sink.js';

describe('a report’s workbook is stored in chunks as it is written', () => {
  test('bytes go out in order, a chunk at a time, each stored before the next write is taken', async () => {
    const stored: Array<{ seq: number; bytes: Buffer }> = [];
    let storing = 0;
    let overlapped = false;
    const sink = new ChunkSink(async (seq, bytes) => {
      storing += 1;
      overlapped ||= storing > 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      stored.push({ seq, bytes });
      storing -= 1;
    });
    // 2.5 chunks' worth, in writes of 64 KB, each byte numbered so the order shows.
    const total = Math.floor(2.5 * CHUNK_BYTES);
    const pieces = function* () {
      for (let at = 0; at < total; at += 65_536) yield Buffer.from(Array.from({ length: Math.min(65_536, total - at) }, (_, i) => (at + i) % 251));
    };
    await pipeline(Readable.from(pieces()), sink);
    expect(stored.map((chunk) => chunk.seq)).toEqual([0, 1, 2]);
    expect(stored.slice(0, 2).every((chunk) => chunk.bytes.length === CHUNK_BYTES)).toBe(true);
    expect(overlapped).toBe(false);
    const whole = Buffer.concat(stored.map((chunk) => chunk.bytes));
    expect(whole.length).toBe(total);
    expect(sink.size).toBe(total);
    expect(whole.every((byte, i) => byte === i % 251)).toBe(true);
  });

  test('a chunk that cannot be stored fails the stream', async () => {
    const sink = new ChunkSink(() => Promise.reject(new Error('claim lost')));
    await expect(pipeline(Readable.from([Buffer.alloc(CHUNK_BYTES + 1)]), sink)).rejects.toThrow('claim lost');
  });
});
