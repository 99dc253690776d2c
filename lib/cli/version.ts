export const VERSION = { tsrc: '0.1.0', spec: '1.3.0' } as const;

/** What `tsrc --version` prints (containerd's go-runc reads it line by line, as runc's). */
export function versionText(): string {
  return `tsrc version ${VERSION.tsrc}\nspec: ${VERSION.spec}`;
}
