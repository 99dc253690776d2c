// Loading a bundle's config.json: read, parse, and check it against the (precompiled) schema.
// Checks the schema cannot express are in semantic.ts; `create` runs both, then requireProcess().
import { join } from 'node:path';
import { CONFIG_FILE } from './errors.js';
import { validateConfig } from './generated/config-validators.js';
import { parseJsonDocument, readJsonDocument } from './json-document.js';
import { assertValid } from './schema-errors.js';
import type { Spec } from './types.js';

export { CONFIG_FILE };

/**
 * Reads `<bundleDir>/config.json` and validates it against schemas/config.schema.json.
 * Throws SpecError: "config.json: cannot read /b/config.json: no such file or directory",
 * "config.json: invalid JSON at line 3, column 5: ...", "config.json: /process/cwd: must be an absolute path".
 */
export function loadSpec(bundleDir: string): Spec {
  const doc = readJsonDocument(join(bundleDir, CONFIG_FILE), CONFIG_FILE);
  assertValid(validateConfig, doc, CONFIG_FILE);
  return doc as Spec;
}

/** The same checks on JSON text already in memory; `file` names it in messages. */
export function parseSpec(text: string, file: string = CONFIG_FILE): Spec {
  const doc = parseJsonDocument(text, file);
  assertValid(validateConfig, doc, file);
  return doc as Spec;
}
