export { EtcdControlPlane } from "./etcd-control-plane.js";
export type { EtcdControlPlaneOptions } from "./options.js";
