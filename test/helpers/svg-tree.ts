import { SaxesParser } from 'saxes';

/** An element of a parsed SVG (or any XML): saxes throws on anything that is not well-formed. */
export interface SvgNode {
  name: string;
  attributes: Record<string, string>;
  children: SvgNode[];
  text: string;
}

/** The document's one root element; fails the test when there is not exactly one. */
export function parseSvg(svg: string): SvgNode {
  const parser = new SaxesParser();
  const root: SvgNode = { name: '#document', attributes: {}, children: [], text: '' };
  const open = [root];
  parser.on('opentag', (tag) => {
    const node: SvgNode = { name: tag.name, attributes: tag.attributes as Record<string, string>, children: [], text: '' };
    open.at(-1)!.children.push(node);
    open.push(node);
  });
  parser.on('text', (text) => {
    open.at(-1)!.text += text;
  });
  parser.on('closetag', () => {
    open.pop();
  });
  parser.write(svg).close();
  expect(root.children).toHaveLength(1);
  return root.children[0]!;
}

export function all(node: SvgNode, match: (node: SvgNode) => boolean): SvgNode[] {
  return [...(match(node) ? [node] : []), ...node.children.flatMap((child) => all(child, match))];
}

export const byClass = (node: SvgNode, name: string) => all(node, (n) => (n.attributes.class ?? '').split(' ').includes(name));
export const textOf = (node: SvgNode): string => node.text + node.children.map(textOf).join('');
export const num = (node: SvgNode, attribute: string) => Number(node.attributes[attribute]);
