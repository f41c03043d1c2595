/**
 * Rewrites `?` placeholders to PostgreSQL's `$1..$n`, leaving alone any `?` inside string
 * literals ('...', E'...'), quoted identifiers ("..."), dollar-quoted bodies ($tag$...$tag$)
 * and comments (-- and nested /* *\/), per the lexical rules of PostgreSQL's manual §4.1.
 */
export function rewritePlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let i = 0;
  let copiedTo = 0;
  while (i < sql.length) {
    const c = sql[i];
    let end: number;
    if (c === '?') {
      out += sql.slice(copiedTo, i) + '$' + ++n;
      copiedTo = i + 1;
      end = i + 1;
    } else if (c === "'") {
      end = skipQuoted(sql, i, "'", isEscapeString(sql, i));
    } else if (c === '"') {
      end = skipQuoted(sql, i, '"', false);
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      end = nl === -1 ? sql.length : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      end = skipBlockComment(sql, i);
    } else if (c === '$') {
      end = skipDollarQuoted(sql, i);
    } else {
      end = i + 1;
    }
    i = end;
  }
  return out + sql.slice(copiedTo);
}

function isEscapeString(sql: string, quote: number): boolean {
  const prev = sql[quote - 1];
  if (prev !== 'E' && prev !== 'e') return false;
  // `E'...'` only when the E is not the tail of a longer identifier such as `name'`.
  return quote < 2 || !/[A-Za-z0-9_$]/.test(sql[quote - 2]);
}

/** Index just after the closing quote; a doubled quote is an escaped quote. */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

const DOLLAR_TAG = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;

function skipDollarQuoted(sql: string, start: number): number {
  // `$1` (a positional parameter) or `a$b` (identifier) are not dollar quotes.
  if (start > 0 && /[A-Za-z0-9_]/.test(sql[start - 1])) return start + 1;
  DOLLAR_TAG.lastIndex = start;
  const m = DOLLAR_TAG.exec(sql);
  if (!m) return start + 1;
  const tag = m[0];
  const close = sql.indexOf(tag, start + tag.length);
  return close === -1 ? sql.length : close + tag.length;
}
