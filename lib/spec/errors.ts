// Errors raised while reading and checking a bundle's configuration. Every message is one line that
// names the file and, where there is one, the JSON pointer of the offending value:
//   config.json: /process/cwd: must be an absolute path

/** How messages name a bundle's configuration file. */
export const CONFIG_FILE = 'config.json';

/** A config.json (or process.json, resources) that cannot be read, parsed or accepted. */
export class SpecError extends Error {
  /** The file the error is about, as named in the message (e.g. "config.json"), if any. */
  readonly file?: string;
  /** JSON pointer (RFC 6901) of the offending value, "" for the whole document, if any. */
  readonly pointer?: string;

  constructor(message: string, where: { file?: string; pointer?: string } = {}) {
    super(oneLine(message));
    this.name = 'SpecError';
    this.file = where.file;
    this.pointer = where.pointer;
  }
}

/** An invalid container ID (see id.ts). */
export class IdError extends SpecError {
  constructor(message: string) {
    super(message);
    this.name = 'IdError';
  }
}

/** `<file>: <pointer>: <rule>`, or `<file>: <rule>` for the document itself. */
export function specError(file: string, pointer: string, rule: string): SpecError {
  const where = pointer === '' ? file : `${file}: ${pointer}`;
  return new SpecError(`${where}: ${rule}`, { file, pointer });
}

/** Warnings use the same shape as errors so that a log reader finds the field the same way. */
export function specWarning(file: string, pointer: string, text: string): string {
  return oneLine(pointer === '' ? `${file}: ${text}` : `${file}: ${pointer}: ${text}`);
}

// Messages quote user data; a newline in there must not split a log line.
function oneLine(s: string): string {
  return s.replace(/\r?\n|\r/g, ' ');
}
