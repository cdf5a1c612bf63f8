export { startControlPlane, type ControlPlane } from './control-plane.js';
export { ensureToolchain, repoRoot } from './toolchain.js';
export { freePort } from './processes.js';
