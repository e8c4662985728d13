// The cluster-wide scheduler entry, `@tsakt/cluster/scheduler`: jobs that fire once per due time in the cluster.

export {
  type ClusterJobDefinition,
  ClusterJobDefinitionSchema,
  type ClusterJobFired,
  ClusterJobFiredSchema,
  file_tsakt_cluster_v1_scheduler,
} from "./gen/tsakt/cluster/v1/scheduler_pb.js";
export { JobAlreadyExistsError, JobNotFoundError } from "./scheduler/errors.js";
export { type ClusterJob, MAX_JOB_NAME_LENGTH } from "./scheduler/job.js";
export {
  type ClusterCronOptions,
  type ClusterJobOptions,
  type ClusterSchedulerOptions,
  clusterSchedulerDefaults,
  type MissedPolicy,
} from "./scheduler/options.js";
export { ClusterScheduler, clusterScheduler, clusterSchedulerOf } from "./scheduler/plugin.js";
