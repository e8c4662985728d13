import { TsaktError } from "@tsakt/actor";

/** A job of this name exists cluster-wide with a different definition. */
export class JobAlreadyExistsError extends TsaktError {
  constructor(
    /** The job's name. */
    readonly job: string,
  ) {
    super(
      "JobAlreadyExists",
      `a cluster job named ${JSON.stringify(job)} already exists with a different definition; cancel it first or choose another name`,
    );
  }
}

/** No cluster job has this name (never scheduled, cancelled, or a once job that already fired). */
export class JobNotFoundError extends TsaktError {
  constructor(
    /** The job's name. */
    readonly job: string,
  ) {
    super("JobNotFound", `no cluster job named ${JSON.stringify(job)}; list() shows the scheduled ones`);
  }
}
