/**
 * A small XML well-formedness check for the SVGs minibox writes (no XML dependency): one
 * root element, every tag closed in order, attributes quoted and unique, `<` and a bare `&`
 * never in text or attribute values (only the five named entities and character references).
 * Returns the element tree, so that a test can look for the texts in it; throws naming the
 * offset of the first fault.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string; // the element's own character data, entities decoded
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const ENTITY = /^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, at: number): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '<') throw new Error(`'<' in character data at ${at + i}`);
    if (c !== '&') {
      out += c;
      continue;
    }
    const m = ENTITY.exec(raw.slice(i));
    if (!m) throw new Error(`a bare '&' at ${at + i}`);
    const name = m[1]!;
    out += NAMED[name] ?? String.fromCodePoint(name.startsWith('#x') ? parseInt(name.slice(2), 16) : Number(name.slice(1)));
    i += m[0].length - 1;
  }
  return out;
}

export function parseXml(xml: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const fail = (what: string): never => {
    throw new Error(`not well-formed XML: ${what} at offset ${i}`);
  };
  while (i < xml.length) {
    if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i);
      if (end < 0) fail('an unclosed processing instruction');
      i = end + 2;
    } else if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end < 0) fail('an unclosed comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', i)) {
      const end = xml.indexOf(']]>', i);
      if (end < 0 || stack.length === 0) fail('a misplaced CDATA section');
      stack.at(-1)!.text += xml.slice(i + 9, end);
      i = end + 3;
    } else if (xml.startsWith('</', i)) {
      const m = NAME.exec(xml.slice(i + 2));
      const open = stack.pop();
      if (!m || !open || open.name !== m[0]) fail(`a closing tag </${m?.[0] ?? '?'}> that does not close <${open?.name ?? 'nothing'}>`);
      i += 2 + m![0].length;
      while (/\s/.test(xml[i] ?? '')) i++;
      if (xml[i] !== '>') fail("a closing tag without '>'");
      i++;
    } else if (xml[i] === '<') {
      const m = NAME.exec(xml.slice(i + 1));
      if (!m) fail('a tag without a name');
      if (root && stack.length === 0) fail('a second root element');
      const el: XmlElement = { name: m![0], attrs: {}, children: [], text: '' };
      i += 1 + m![0].length;
      for (;;) {
        const ws = /^\s*/.exec(xml.slice(i))![0].length;
        i += ws;
        if (xml.startsWith('/>', i) || xml[i] === '>') break;
        if (ws === 0) fail('attributes not separated by space');
        const a = /^([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)')/.exec(xml.slice(i));
        if (!a) fail(`a malformed attribute in <${el.name}>`);
        if (a![1]! in el.attrs) fail(`attribute ${a![1]} twice`);
        el.attrs[a![1]!] = decode(a![3] ?? a![4] ?? '', i);
        i += a![0].length;
      }
      (stack.at(-1)?.children ?? []).push(el);
      root ??= el;
      if (xml.startsWith('/>', i)) i += 2;
      else {
        i += 1;
        stack.push(el);
      }
    } else {
      const next = xml.indexOf('<', i);
      const raw = xml.slice(i, next < 0 ? xml.length : next);
      if (stack.length === 0) {
        if (raw.trim() !== '') fail('text outside the root element');
      } else stack.at(-1)!.text += decode(raw, i);
      i += raw.length;
    }
  }
  if (stack.length > 0) fail(`<${stack.at(-1)!.name}> never closed`);
  if (!root) fail('no root element');
  return root!;
}

/** Every text in the tree, in document order (a test looks for the ids it must show). */
export function allText(el: XmlElement): string[] {
  return [el.text, ...el.children.flatMap(allText)];
}
