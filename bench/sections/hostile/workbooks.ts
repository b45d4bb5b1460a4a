/**
 * Hostile workbooks, written in memory with node's zlib and a minimal zip writer (no zip64, no data
 * descriptors): a zip bomb whose one sheet inflates to 1 GiB from about 1 MB, and a workbook of a
 * million rows. Both are deterministic: the same bytes on every run.
 */
import { crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';

interface ZipEntry {
  name: string;
  /** The raw deflate stream of the content. */
  compressed: Buffer;
  crc: number;
  size: number;
}

const SHEET_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const DOC_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/** Every part of a one-sheet workbook but the sheet itself. */
const PACKAGE_PARTS: Record<string, string> = {
  '[Content_Types].xml': `${XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
  '_rels/.rels': `${XML_DECL}<Relationships xmlns="${REL_NS}"><Relationship Id="rId1" Type="${DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  'xl/workbook.xml': `${XML_DECL}<workbook xmlns="${SHEET_NS}" xmlns:r="${DOC_REL}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
  'xl/_rels/workbook.xml.rels': `${XML_DECL}<Relationships xmlns="${REL_NS}"><Relationship Id="rId1" Type="${DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
};

function smallEntry(name: string, content: string | Buffer): ZipEntry {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  return { name, compressed: deflateRawSync(bytes, { level: 9 }), crc: crc32(bytes), size: bytes.length };
}

/** A zip archive of `entries`, every one deflated. */
function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(33, 12); // 1980-01-01
    local.writeUInt32LE(entry.crc >>> 0, 14);
    local.writeUInt32LE(entry.compressed.length, 18);
    local.writeUInt32LE(entry.size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    local.copy(central, 8, 6, 26); // flags, method, time, date, crc, sizes
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, entry.compressed);
    centrals.push(central, name);
    offset += local.length + name.length + entry.compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function workbook(sheet: ZipEntry): Buffer {
  return zip([...Object.entries(PACKAGE_PARTS).map(([name, content]) => smallEntry(name, content)), sheet]);
}

export interface HostileWorkbook {
  bytes: Buffer;
  /** What the sheet inflates to. */
  inflatedBytes: number;
}

/**
 * A workbook whose sheet is one inline-string cell of `inflatedMiB` MiB of 'A': deflate packs it about
 * 1,000 to 1, so 1 GiB travels as about 1 MB. Streams through zlib in 1-MiB chunks (about 2 s for 1 GiB).
 */
export async function zipBomb(inflatedMiB = 1024): Promise<HostileWorkbook> {
  const head = Buffer.from(`${XML_DECL}<worksheet xmlns="${SHEET_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`);
  const tail = Buffer.from('</t></is></c></row></sheetData></worksheet>');
  const chunk = Buffer.alloc(1024 * 1024, 0x41);
  const deflate = createDeflateRaw({ level: 9, memLevel: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (data: Buffer) => out.push(data));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  let crc = crc32(head);
  const write = async (data: Buffer) => {
    if (!deflate.write(data)) await new Promise((resolve) => deflate.once('drain', resolve));
  };
  await write(head);
  for (let i = 0; i < inflatedMiB; i++) {
    crc = crc32(chunk, crc);
    await write(chunk);
  }
  crc = crc32(tail, crc);
  deflate.end(tail);
  await done;
  const size = head.length + inflatedMiB * chunk.length + tail.length;
  return { bytes: workbook({ name: 'xl/worksheets/sheet1.xml', compressed: Buffer.concat(out), crc, size }), inflatedBytes: size };
}

/** A workbook of `rows` rows of one numeric cell each: about 7.4 MB (54 MB of sheet XML) for a million. */
export function manyRows(rows = 1_000_000): HostileWorkbook {
  const parts: string[] = [`${XML_DECL}<worksheet xmlns="${SHEET_NS}"><sheetData>`];
  for (let i = 1; i <= rows; i++) parts.push(`<row r="${i}"><c r="A${i}"><v>${i}</v></c></row>`);
  parts.push('</sheetData></worksheet>');
  const sheet = Buffer.from(parts.join(''));
  return {
    bytes: workbook({ name: 'xl/worksheets/sheet1.xml', compressed: deflateRawSync(sheet, { level: 9 }), crc: crc32(sheet), size: sheet.length }),
    inflatedBytes: sheet.length,
  };
}
