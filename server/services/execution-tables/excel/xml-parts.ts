import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { NotAWorkbook, streamEntry, type InflateBudget, type ZipEntry } from './zip-entries.js';

// The XML parts of an .xlsx as SAX events, streamed out of the zip as they inflate (`xlsx-reader.ts` reads them).

/** The local name of an element (`x:row` is `row`). */
export function local(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

export type Handlers = {
  open?(name: string, attributes: Record<string, string>): void;
  close?(name: string): void;
  text?(text: string): void;
};

/** Reads the XML parts of one workbook, each streamed through its share of one inflate budget. */
export class XmlReader {
  constructor(
    private readonly data: Buffer,
    private readonly entries: Map<string, ZipEntry>,
    private readonly budget: InflateBudget,
  ) {}

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * Parses the part `name`, calling `handlers`. saxes holds a text node whole until the markup after it, so
   * `longRun`, when given, is called with each run of characters without markup that passes `chars` (as the
   * run reaches the end of an inflated chunk): a reader refuses there, not after the node was inflated whole.
   */
  async read(name: string, handlers: Handlers, longRun?: { chars: number; passed: () => void }): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry) throw new NotAWorkbook(`the file is not an Excel workbook (.xlsx): it has no ${name}`);
    const parser = new SaxesParser<{ xmlns: false; position: false }>({ xmlns: false, position: false });
    parser.on('doctype', () => {
      throw new NotAWorkbook(`the workbook's ${name} declares a DOCTYPE: a workbook never does`);
    });
    parser.on('error', (error) => {
      throw new NotAWorkbook(`the workbook's ${name} is not well-formed XML: ${error.message}`);
    });
    if (handlers.open) {
      const open = handlers.open;
      parser.on('opentag', (tag: SaxesTagPlain) => open(local(tag.name), tag.attributes));
    }
    if (handlers.close) {
      const close = handlers.close;
      parser.on('closetag', (tag) => close(local(tag.name)));
    }
    if (handlers.text) {
      parser.on('text', handlers.text);
      parser.on('cdata', handlers.text);
    }
    let run = 0;
    await streamEntry(this.data, entry, this.budget, (text) => {
      if (!text) return;
      if (!longRun) return void parser.write(text);
      // The run that went on into this chunk is judged where it began; the one this chunk ends with, where it ends.
      const first = text.indexOf('<');
      if (first < 0) run += text.length;
      else if (run + first > longRun.chars) longRun.passed();
      if (run > longRun.chars) longRun.passed();
      parser.write(text);
      if (first >= 0) run = text.length - text.lastIndexOf('<') - 1;
      if (run > longRun.chars) longRun.passed();
    });
    parser.close();
  }
}
