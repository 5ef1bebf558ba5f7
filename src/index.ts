/** predann's public library API: the one barrel users and tests import. */
export { native, type BuildInfo } from './native.js';
export { packageVersion } from './version.js';
