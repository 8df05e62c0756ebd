// Showing untrusted text in a log line. Pure.

// Control, format (zero-width, bidi overrides) and line/paragraph separators:
// invisible or misleading in a log, so they are shown as escapes.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** The text with every invisible or misleading character written as a \uXXXX escape. */
export function visible(text: string): string {
  return text.replace(
    INVISIBLE,
    (character) => `\\u${(character.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  );
}

/**
 * A value as one visible JSON string of at most `max` characters (then "…"),
 * so that a log line shows exactly what was given, zero-width spaces and all.
 */
export function quote(value: string, max = 60): string {
  return visible(JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value));
}
