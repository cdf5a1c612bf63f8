export { startControlPlane, type ControlPlane } from './control-plane.js';
export { ensureToolchain, repoRoot, skaffoldSchema } from './toolchain.js';
export { freePort } from './processes.js';
export { eventually } from './eventually.js';
