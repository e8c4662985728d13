import { SystemNotStartedError } from "../errors.js";
import type { ActorSystem } from "../system.js";
import { installedScheduler, type Scheduler } from "./scheduler.js";

/** The scheduler of `system`; every system has one, and it stops (every timer cleared) when the system stops. */
export function schedulerOf(system: ActorSystem): Scheduler {
  const scheduler = installedScheduler(system);
  if (scheduler === undefined) throw new SystemNotStartedError("use the scheduler: this is not a started ActorSystem");
  return scheduler;
}
