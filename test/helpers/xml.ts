/**
 * A strict XML 1.0 parse for tests, with saxes (a conformant, non-validating parser: it rejects
 * malformed markup, undefined entities and characters XML 1.0 does not allow).
 */
import { SaxesParser } from 'saxes';

/** An element: its name, attributes, child elements and text content (concatenated). */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * Parse a whole document.
 * @returns the root element.
 * @throws Error on the first well-formedness error (with its line and column).
 */
export function parseXml(xml: string): XmlElement {
  const parser = new SaxesParser();
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let error: Error | null = null;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('opentag', (tag) => {
    // Without namespace processing, attribute values are plain strings.
    const attributes: Record<string, string> = { ...(tag.attributes as Record<string, string>) };
    const el: XmlElement = { name: tag.name, attributes, children: [], text: '' };
    if (stack.length) stack[stack.length - 1].children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('text', (t) => {
    if (stack.length) stack[stack.length - 1].text += t;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.write(xml).close();
  if (error) throw error;
  if (!root) throw new Error('no root element');
  return root;
}

/** Every descendant element named `name`, in document order. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const c of e.children) {
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}
