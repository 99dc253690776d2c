import { BUILD_INFO } from './build-info.js';

export const VERSION = { tsrc: '0.1.0', spec: '1.3.0' } as const;

/** What `tsrc --version` prints: runc's lines, in runc's order (containerd's go-runc reads
 * "<name> version", "commit:" and "spec:" line by line; people grep for libseccomp:). */
export function versionText(): string {
  return `tsrc version ${VERSION.tsrc}\ncommit: ${BUILD_INFO.commit}\nspec: ${VERSION.spec}\nlibseccomp: ${BUILD_INFO.libseccomp}`;
}
