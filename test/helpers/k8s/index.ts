export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
export { ensureToolchain, repoRoot, skaffoldSchema, type Toolchain } from './toolchain.js';
export { fakeNode, type FakeNodeOptions } from './fake-node.js';
export { startProcess, freePort, waitFor, type ManagedProcess } from './processes.js';
export { kubeHttp, type KubeHttp } from './kube-http.js';
