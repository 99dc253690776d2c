// Loading the process.json that `exec --process <file>` runs: the same schema as config.json's
// `process` object. Semantic checks: checkProcess() in semantic.ts.
import { validateProcess } from './generated/config-validators.js';
import { parseJsonDocument, readJsonDocument } from './json-document.js';
import { assertValid } from './schema-errors.js';
import type { Process } from './types.js';

/** Reads and validates a process.json; messages name the file by `path`: "<path>: /cwd: ...". */
export function loadProcessFile(path: string): Process {
  return checked(readJsonDocument(path, path), path);
}

/** Validates process JSON text; `file` names it in messages. */
export function parseProcess(text: string, file: string): Process {
  return checked(parseJsonDocument(text, file), file);
}

/** An exec's process may leave out `user` (runc runs it as uid 0, gid 0: Go's zero value, and
 * callers rely on that); config.json's process must have one, as the spec says. */
function checked(doc: unknown, file: string): Process {
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && !('user' in doc)) (doc as Record<string, unknown>).user = { uid: 0, gid: 0 };
  assertValid(validateProcess, doc, file);
  return doc as Process;
}
