// Loading the process.json that `exec --process <file>` runs: the same schema as config.json's
// `process` object. Semantic checks: checkProcess() in semantic.ts.
import { validateProcess } from './generated/config-validators.js';
import { parseJsonDocument, readJsonDocument } from './json-document.js';
import { assertValid } from './schema-errors.js';
import type { Process } from './types.js';

/** Reads and validates a process.json; messages name the file by `path`: "<path>: /cwd: ...". */
export function loadProcessFile(path: string): Process {
  const doc = readJsonDocument(path, path);
  assertValid(validateProcess, doc, path);
  return doc as Process;
}

/** Validates process JSON text; `file` names it in messages. */
export function parseProcess(text: string, file: string): Process {
  const doc = parseJsonDocument(text, file);
  assertValid(validateProcess, doc, file);
  return doc as Process;
}
