/**
 * Where a JSON path (["rules", 0, "conditions", 1, "value"]) sits in a JSON text, so a validation error from
 * the server can point at the line the author typed. A small tolerant scanner: it records the offset of every
 * value it meets, and stops quietly at a syntax error (the editor reports that separately).
 */
export interface TextPosition {
  offset: number;
  line: number;
  column: number;
}

type Path = (string | number)[];

export function locateJsonPath(text: string, path: Path): TextPosition | undefined {
  const target = JSON.stringify(path);
  let found: number | undefined;
  let i = 0;

  const ws = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const string = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++; // closing quote
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      throw new SyntaxError("bad string");
    }
  };
  const value = (at: Path): void => {
    ws();
    if (found === undefined && JSON.stringify(at) === target) found = i;
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new SyntaxError("key expected");
        const keyStart = i;
        const key = string();
        // A path that ends at a key points at the key itself, which is where the eye looks.
        if (found === undefined && JSON.stringify([...at, key]) === target) found = keyStart;
        ws();
        if (text[i] !== ":") throw new SyntaxError("colon expected");
        i++;
        value([...at, key]);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        throw new SyntaxError("comma expected");
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        value([...at, index]);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        throw new SyntaxError("comma expected");
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const literal = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
    if (!literal) throw new SyntaxError("value expected");
    i += literal[0].length;
  };

  try {
    value([]);
  } catch {
    // Keep whatever was found before the syntax error.
  }
  return found === undefined ? undefined : positionOf(text, found);
}

export function positionOf(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return { offset, line, column };
}
