// What `--version` reports about the build. scripts/build.mjs overwrites the compiled copy
// (dist/cli/build-info.js) with the real values; these are what a build without git or
// pkg-config gets.
export const BUILD_INFO: { commit: string; libseccomp: string } = { commit: 'unknown', libseccomp: 'unknown' };
