// Ultralytics writes its ONNX metadata values with Python's str(): `{0: 'product', 1: "men's"}`,
// `[640, 640]`, `{'batch': 1, 'half': False}`. This parses that literal subset (plus JSON, which
// is nearly the same) without eval: dicts, lists, tuples, strings, numbers, True/False/None.

export type PyValue = string | number | boolean | null | PyValue[] | PyDict;
export type PyKey = string | number | boolean | null;
export type PyDict = Map<PyKey, PyValue>;

export class PyLiteralError extends Error {
  override name = 'PyLiteralError';
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

class Reader {
  pos = 0;
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  fail(what: string): never {
    throw new PyLiteralError(`${what} at offset ${this.pos} in ${JSON.stringify(this.text.slice(0, 80))}`);
  }

  ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  peek(): string | undefined {
    this.ws();
    return this.text[this.pos];
  }

  eat(ch: string): boolean {
    if (this.peek() === ch) {
      this.pos++;
      return true;
    }
    return false;
  }

  value(): PyValue {
    const ch = this.peek();
    if (ch === undefined) this.fail('unexpected end');
    if (ch === '{') return this.dict();
    if (ch === '[') return this.seq('[', ']');
    if (ch === '(') return this.seq('(', ')');
    if (ch === "'" || ch === '"') return this.str();
    return this.atom();
  }

  dict(): PyDict {
    this.pos++; // {
    const out: PyDict = new Map();
    while (!this.eat('}')) {
      const key = this.value();
      if (typeof key === 'object' && key !== null) this.fail('unhashable dict key');
      if (!this.eat(':')) this.fail("expected ':'");
      out.set(key, this.value());
      if (!this.eat(',') && this.peek() !== '}') this.fail("expected ',' or '}'");
    }
    return out;
  }

  seq(open: string, close: string): PyValue[] {
    this.pos++; // open
    const out: PyValue[] = [];
    while (!this.eat(close)) {
      out.push(this.value());
      if (!this.eat(',') && this.peek() !== close) this.fail(`expected ',' or '${close}' after '${open}' item`);
    }
    return out;
  }

  str(): string {
    const quote = this.text[this.pos++]!;
    let out = '';
    for (;;) {
      const ch = this.text[this.pos++];
      if (ch === undefined) this.fail('unterminated string');
      if (ch === quote) return out;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = this.text[this.pos++];
      if (esc === undefined) this.fail('unterminated escape');
      const simple = SIMPLE_ESCAPES[esc];
      if (simple !== undefined) out += simple;
      else if (esc === 'x' || esc === 'u' || esc === 'U') {
        const len = esc === 'x' ? 2 : esc === 'u' ? 4 : 8;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.fail(`bad \\${esc} escape`);
        out += String.fromCodePoint(parseInt(hex, 16));
        this.pos += len;
      } else out += `\\${esc}`; // Python keeps unknown escapes verbatim
    }
  }

  atom(): PyValue {
    const m = /^[^\s,:\]})]+/.exec(this.text.slice(this.pos));
    if (m === null) this.fail('unexpected character');
    const word = m[0];
    this.pos += word.length;
    switch (word) {
      case 'True':
      case 'true':
        return true;
      case 'False':
      case 'false':
        return false;
      case 'None':
      case 'null':
        return null;
    }
    const n = Number(word);
    if (word === '' || Number.isNaN(n)) this.fail(`unknown token ${JSON.stringify(word)}`);
    return n;
  }
}

/** Parses one Python literal (or JSON value). Throws `PyLiteralError` on anything else. */
export function parsePythonLiteral(text: string): PyValue {
  const r = new Reader(text);
  const v = r.value();
  if (r.peek() !== undefined) r.fail('trailing characters');
  return v;
}
