export { type ControlPlane, InMemoryControlPlane } from "./control-plane.js";
export { DatacenterPID } from "./datacenter-pid.js";
export { DatacenterUnavailableError, DrainFailedError, MultiDatacenterNotRunningError, type UnavailableReason } from "./errors.js";
export { GatewayRoute } from "./gateway-route.js";
export {
  type DatacenterStateChanged,
  DatacenterStateChangedSchema,
  file_tsakt_multidc_v1_multidc,
} from "./gen/tsakt/multidc/v1/multidc_pb.js";
export { type DatacenterIdentity, type MultiDatacenterOptions, multiDatacenterDefaults, type Routing } from "./options.js";
export {
  type DatacenterGrainOptions,
  type DatacenterLookupOptions,
  type DatacenterSpawnOptions,
  MultiDatacenter,
  multiDatacenter,
  multiDatacenterOf,
  multiDatacenterPluginName,
} from "./plugin.js";
export {
  type DatacenterRecord,
  type DatacenterState,
  datacenterStates,
  decodeRecord,
  encodeRecord,
  isDatacenterName,
  isRecord,
} from "./record.js";
export type { RelayStats } from "./relay.js";
export type { DatacenterInfo } from "./view.js";
