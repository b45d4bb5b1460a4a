// SVG drawn on the server (the execution table's Gantt chart, the analytics charts): one way to write markup
// that is escaped and well-formed whatever text it carries.

/** The pages' font stack, CJK included, for text inside SVG (which does not inherit the page's CSS in a file). */
export const SVG_FONT_FAMILY = 'system-ui, -apple-system, Segoe UI, PingFang SC, Microsoft YaHei, sans-serif';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// Characters XML 1.0 cannot hold at all (control characters, lone surrogates): dropped rather than breaking the document.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** `text` as XML character data or an attribute value. */
export function xml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}

/** An element; attribute values are escaped here, children are markup already (text goes through `xml`). */
export function el(name: string, attributes: Record<string, string | number | undefined>, ...children: string[]): string {
  const attrs = Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}="${xml(String(value))}"`)
    .join('');
  return children.length > 0 ? `<${name}${attrs}>${children.join('')}</${name}>` : `<${name}${attrs}/>`;
}
