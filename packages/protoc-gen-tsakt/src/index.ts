export { AmbiguousRequestError, ContractOptionError, StreamingRpcError } from "./errors.js";
export {
  file_tsakt_options_v1_options,
  type MethodOptions,
  MethodOptionsSchema,
  method,
  type ServiceOptions,
  ServiceOptionsSchema,
  service,
} from "./gen/tsakt/options/v1/options_pb.js";
export { protocGenTsakt } from "./plugin.js";
