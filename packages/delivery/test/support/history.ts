import type { Actor, ActorFactory } from "@tsakt/actor";
import { expect } from "vitest";

/** A consuming actor that appends each number it receives to `history`; throws once at each number in `failAt`. */
export function recorder(history: number[], failAt: Set<number> = new Set()): ActorFactory {
  return (): Actor => ({
    receive(ctx) {
      if (typeof ctx.message !== "number") return;
      const n = ctx.message;
      if (failAt.delete(n)) throw new Error(`planned failure at ${n}`);
      history.push(n);
    },
  });
}

/** Checks that `history` is exactly 1, 2, …, count: nothing missing, repeated or out of order. */
export function checkHistory(history: readonly number[], count: number): void {
  const firstWrong = history.findIndex((n, i) => n !== i + 1);
  expect(firstWrong, `history wrong at index ${firstWrong}: ${history.slice(Math.max(0, firstWrong - 3), firstWrong + 3).join(",")}`).toBe(
    -1,
  );
  expect(history.length).toBe(count);
}
