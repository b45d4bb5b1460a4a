import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { zipEntries } from '../../../server/services/execution-tables/excel/zip-entries.js';

// Hostile workbooks for tests, made from a real export: its parts are unpacked, edited as text and packed
// again by a minimal zip writer, so a test can make a sheet that inflates to megabytes from a few kilobytes.

export type Parts = Map<string, Buffer>;

/** The parts of an .xlsx, inflated. */
export function unzip(data: Buffer): Parts {
  const parts: Parts = new Map();
  for (const entry of zipEntries(data).values()) {
    const begin = entry.offset + 30 + data.readUInt16LE(entry.offset + 26) + data.readUInt16LE(entry.offset + 28);
    const raw = data.subarray(begin, begin + entry.compressedSize);
    parts.set(entry.name, entry.method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
  }
  return parts;
}

/** A zip of `parts`, each deflated. */
export function zip(parts: Parts): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of parts) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = deflateRawSync(content, { level: 9 });
    const crc = crc32(content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(content.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(content.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.size, 8);
  end.writeUInt16LE(parts.size, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const SHEET = 'xl/worksheets/sheet1.xml';

/** The workbook with its first sheet's XML edited: `rows` is inserted just before `</sheetData>`. */
export function withRows(workbook: Buffer, rows: string | Buffer): Buffer {
  const parts = unzip(workbook);
  const xml = parts.get(SHEET)!.toString('utf8');
  const at = xml.lastIndexOf('</sheetData>');
  parts.set(SHEET, Buffer.concat([Buffer.from(xml.slice(0, at)), typeof rows === 'string' ? Buffer.from(rows) : rows, Buffer.from(xml.slice(at))]));
  return zip(parts);
}

/** An inline-string cell. */
export const cell = (reference: string, text: string): string => `<c r="${reference}" t="inlineStr"><is><t>${text}</t></is></c>`;

/** `count` rows from `from` on, each with a phase and a status (valid rows, so only their number is wrong). */
export function manyRows(from: number, count: number): string {
  let xml = '';
  for (let n = from; n < from + count; n++) xml += `<row r="${n}">${cell(`C${n}`, `phase ${n}`)}${cell(`I${n}`, 'Not started')}</row>`;
  return xml;
}
