export type { Actor, ActorFactory, Behavior, Context, ReceiveContext } from "./actor.js";
export { batchAsk, batchTell } from "./batch.js";
export { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from "./circuit-breaker.js";
export type { Clock, TimerHandle } from "./clock.js";
export type { DispatcherOptions } from "./dispatcher.js";
export {
  ActorAlreadyExistsError,
  ActorInitializationError,
  ActorNotFoundError,
  AskAbortedError,
  AskFailedError,
  AskTimeoutError,
  CircuitCallTimeoutError,
  CircuitOpenError,
  DeadActorError,
  InFlightLimitError,
  InvalidMessageError,
  InvalidNameError,
  InvalidOptionError,
  isTsaktError,
  MailboxFullError,
  MetricsUnavailableError,
  PipeTimeoutError,
  PluginNotInstalledError,
  ReentrancyDisabledError,
  StashFullError,
  SystemNotStartedError,
  TsaktError,
} from "./errors.js";
export { type EventIteratorOptions, type EventListener, EventStream } from "./event-stream.js";
export type { Extension } from "./extensions.js";
export {
  type ActorPassivated,
  ActorPassivatedSchema,
  type ActorReinstated,
  ActorReinstatedSchema,
  type ActorRestarted,
  ActorRestartedSchema,
  type ActorStarted,
  ActorStartedSchema,
  type ActorStopped,
  ActorStoppedSchema,
  type ActorSuspended,
  ActorSuspendedSchema,
  type Deadletter,
  DeadletterSchema,
  type LeaderChanged,
  LeaderChangedSchema,
  type NodeJoined,
  NodeJoinedSchema,
  type NodeLeft,
  NodeLeftSchema,
} from "./gen/tsakt/actor/v1/events_pb.js";
export {
  type AdjustPoolSize,
  AdjustPoolSizeSchema,
  type Broadcast,
  BroadcastSchema,
  type GetRoutees,
  GetRouteesSchema,
  type Routees,
  RouteesSchema,
} from "./gen/tsakt/actor/v1/router_pb.js";
export {
  type PipeFailure,
  PipeFailureSchema,
  type PoisonPill,
  PoisonPillSchema,
  type PostStart,
  PostStartSchema,
  type Terminated,
  TerminatedSchema,
} from "./gen/tsakt/actor/v1/system_pb.js";
export type { Kind, KindDefinition } from "./kind.js";
export {
  consoleLogger,
  type LogBindings,
  type LogFn,
  type Logger,
  type LoggerLike,
  type LogLevel,
  logLevels,
  silentLogger,
  toLogger,
} from "./logger.js";
export type { MailboxOptions } from "./mailbox/options.js";
export type { PriorityComparator } from "./mailbox/priority.js";
export type { MeterLike, MetricsOptions } from "./metrics-options.js";
export type { PassivationCapOptions, PassivationOptions } from "./passivation.js";
export type { AskOptions, PID } from "./pid.js";
export type { PipeTask, PipeToOptions } from "./pipe.js";
export type { Plugin, ProtoTypes } from "./plugin.js";
export { broadcast } from "./routers/broadcast.js";
export {
  type GroupRouterHost,
  type GroupRouterOptions,
  type GroupRoutingStrategy,
  groupRouter,
} from "./routers/group-router.js";
export { router } from "./routers/router.js";
export { maxPoolSize, type RouteeFailure, type RouterOptions, type RoutingStrategy } from "./routers/router-options.js";
export type { Schedule, ScheduleKind, ScheduleState } from "./scheduler/schedule.js";
export type { CronScheduleOptions, EveryOptions, ScheduleOptions } from "./scheduler/schedule-options.js";
export { Scheduler } from "./scheduler/scheduler.js";
export { schedulerOf } from "./scheduler/scheduler-of.js";
export { type ShutdownHook, ShutdownHookError, type ShutdownRecovery } from "./shutdown.js";
export type { SpawnOptions } from "./spawn-options.js";
export type { BackoffOptions, Directive, ErrorClass, SupervisionStrategy, SupervisorOptions } from "./supervision/options.js";
export { ActorSystem, type ActorSystemOptions } from "./system.js";
