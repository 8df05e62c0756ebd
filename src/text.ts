// Showing untrusted text in a log line, and the forms a secret can take when
// something echoes it. Pure.

// Control, format (zero-width, bidi overrides) and line/paragraph separators:
// invisible or misleading in a log, so they are shown as escapes.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
// The runner still obeys the legacy `##[command]` syntax anywhere in a line
// (`::command::` only at its start): text from outside must never form one.
const LEGACY_COMMAND = /##\[/g;

/**
 * The text with every invisible or misleading character written as a \uXXXX
 * escape, and `##[` as `##\u005b`, so that it can neither hide nor act as a
 * runner command.
 */
export function visible(text: string): string {
  return text
    .replace(INVISIBLE, (character) => `\\u${(character.codePointAt(0) as number).toString(16).padStart(4, '0')}`)
    .replace(LEGACY_COMMAND, '##\\u005b');
}

/**
 * A value as one visible JSON string of at most `max` characters (then "…"),
 * so that a log line shows exactly what was given, zero-width spaces and all.
 */
export function quote(value: string, max = 60): string {
  return visible(JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value));
}

/**
 * The forms in which a secret can come back from something that echoes it:
 * as is, percent-encoded, form-encoded (as sent), JSON-escaped, and as a
 * header echoes it (Node reads header values as Latin-1, so a UTF-8 echo of
 * a non-ASCII secret arrives as its bytes, one character each).
 */
export function secretForms(secret: string): string[] {
  return [
    ...new Set([
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
      JSON.stringify(secret).slice(1, -1),
      Buffer.from(secret, 'utf8').toString('latin1'),
    ]),
  ];
}

/**
 * The text with every run of at least `minimum` characters that also occurs
 * in one of `values` replaced by `mask`: an answer that echoes a cut-off or
 * split copy of a token shows none of it. Overlapping and adjacent runs merge
 * into one mask.
 */
export function maskPieces(text: string, values: readonly string[], minimum: number, mask = '***'): string {
  const pieces = new Set<string>();
  for (const value of values) {
    for (let start = 0; start + minimum <= value.length; start++) pieces.add(value.slice(start, start + minimum));
  }
  if (pieces.size === 0) return text;
  const covered = new Uint8Array(text.length);
  for (let start = 0; start + minimum <= text.length; start++) {
    if (pieces.has(text.slice(start, start + minimum))) covered.fill(1, start, start + minimum);
  }
  let result = '';
  for (let index = 0; index < text.length; index++) {
    if (covered[index] === 0) result += text[index] as string;
    else if (index === 0 || covered[index - 1] === 0) result += mask;
  }
  return result;
}

/** The JSON object a text holds, or undefined for anything else (not JSON, an array, a string...). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A duration for a log line: "23 h 59 min", "12 min", "40 s". */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return `${Math.floor(seconds)} s`;
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

/**
 * An error's message: from an Error of any realm (the errors of node:fs are
 * not instances of a test sandbox's Error), or anything with a message; else
 * the value as text.
 */
export function errorText(error: unknown): string {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(error);
}
