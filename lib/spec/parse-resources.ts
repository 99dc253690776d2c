// Parsing the LinuxResources JSON that `update --resources <file|->` reads (docker update sends it
// on stdin): the schema of config.json's linux.resources.
import { validateResources } from './generated/config-validators.js';
import { parseJsonDocument } from './json-document.js';
import { assertValid } from './schema-errors.js';
import type { Resources } from './types.js';

/** Validates resources JSON text; `file` names its source in messages (e.g. "stdin"). */
export function parseResources(text: string, file: string): Resources {
  const doc = parseJsonDocument(text, file);
  assertValid(validateResources, doc, file);
  return doc as Resources;
}
