export { NatsControlPlane } from "./nats-control-plane.js";
export type { NatsControlPlaneOptions } from "./options.js";
