import { createInflateRaw } from 'node:zlib';

// The zip container of an .xlsx, read from the upload in memory: its central directory says where each entry
// is, and an entry is inflated as a stream whose bytes are counted against a budget shared by every entry
// read, so a zip bomb is stopped the moment the budget runs out, having held no more than a chunk of it.

/** One file of the archive, not yet inflated. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  /** Where its local header starts. */
  offset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
/** The end record is 22 bytes, followed by a comment of at most 65,535. */
const EOCD_SEARCH = 22 + 0xffff;

/** Thrown when the inflated bytes pass the budget; the caller turns it into its 413. */
export class InflatedBudgetExceeded extends Error {
  constructor(readonly entry: string) {
    super(`inflating ${entry} passed the budget`);
  }
}

/** A file that is no workbook, or a damaged one: the caller refuses it as a problem of the uploaded file. */
export class NotAWorkbook extends Error {}

function corrupt(what: string): NotAWorkbook {
  return new NotAWorkbook(`the file is not an Excel workbook (.xlsx): ${what}; save it as "Excel Workbook (*.xlsx)" and upload that`);
}

/** The entries of the archive by name; a file that is no zip, or a damaged one, is `NotAWorkbook`. */
export function zipEntries(data: Buffer): Map<string, ZipEntry> {
  let end = -1;
  for (let at = data.length - 22; at >= Math.max(0, data.length - EOCD_SEARCH); at--) {
    if (data.readUInt32LE(at) === EOCD_SIGNATURE) {
      end = at;
      break;
    }
  }
  if (end < 0) throw corrupt('no zip directory at its end (is it truncated?)');
  const count = data.readUInt16LE(end + 10);
  const size = data.readUInt32LE(end + 12);
  const start = data.readUInt32LE(end + 16);
  if (start + size > end) throw corrupt('its zip directory points outside the file');
  const entries = new Map<string, ZipEntry>();
  let at = start;
  for (let index = 0; index < count; index++) {
    if (at + 46 > end || data.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw corrupt('its zip directory is damaged');
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    if (at + 46 + nameLength > end) throw corrupt('its zip directory is damaged');
    const name = data.toString('utf8', at + 46, at + 46 + nameLength);
    entries.set(name, {
      name,
      method: data.readUInt16LE(at + 10),
      compressedSize: data.readUInt32LE(at + 20),
      offset: data.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Counts inflated bytes across entries; `take` throws once the total passes `maximum`. */
export class InflateBudget {
  used = 0;
  constructor(readonly maximum: number) {}

  take(bytes: number, entry: string): void {
    this.used += bytes;
    if (this.used > this.maximum) throw new InflatedBudgetExceeded(entry);
  }
}

/**
 * Feeds the entry's inflated text to `onText` chunk by chunk, counting each chunk against `budget` before it
 * is passed on; stops inflating at the first throw (of the budget or of `onText`) and rejects with it.
 */
export async function streamEntry(data: Buffer, entry: ZipEntry, budget: InflateBudget, onText: (text: string) => void): Promise<void> {
  const at = entry.offset;
  if (at + 30 > data.length || data.readUInt32LE(at) !== LOCAL_SIGNATURE) throw corrupt(`the entry ${entry.name} is damaged`);
  const begin = at + 30 + data.readUInt16LE(at + 26) + data.readUInt16LE(at + 28);
  const compressed = data.subarray(begin, begin + entry.compressedSize);
  if (compressed.length < entry.compressedSize) throw corrupt(`the entry ${entry.name} is cut short (is the file truncated?)`);
  const decoder = new TextDecoder('utf-8');
  if (entry.method === 0) {
    budget.take(compressed.length, entry.name);
    onText(decoder.decode(compressed));
    return;
  }
  if (entry.method !== 8) throw corrupt(`the entry ${entry.name} uses an unknown compression (${entry.method})`);

  const inflate = createInflateRaw({ chunkSize: 64 * 1024 });
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      inflate.destroy();
      reject(error instanceof Error && 'errno' in error ? corrupt(`the entry ${entry.name} does not inflate (${error.message})`) : error);
    };
    inflate.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        budget.take(chunk.length, entry.name);
        onText(decoder.decode(chunk, { stream: true }));
      } catch (error) {
        fail(error);
      }
    });
    inflate.on('error', fail);
    inflate.on('end', () => {
      if (failed) return;
      try {
        onText(decoder.decode());
        resolve();
      } catch (error) {
        fail(error);
      }
    });
    inflate.end(compressed);
  });
}
