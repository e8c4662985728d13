/** True for a promise or any thenable (what a handler's PromiseLike return type stands for). */
export function isThenable(value: unknown): value is Promise<unknown> {
  return value !== undefined && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}
