import { create } from "@bufbuild/protobuf";
import { InvalidOptionError } from "@tsakt/actor";
import { contract, MissingHandlerError } from "@tsakt/contracts";
import { describe, expect, it } from "vitest";
import { AddRequestSchema, CountSchema, GetRequestSchema } from "./gen/contracts/test/v1/fixture_pb.js";
import { Counter } from "./gen/contracts/test/v1/fixture_tsakt.js";

const invoke = () => undefined;

describe("a contract", () => {
  it("finds a message's method by its type, and none for anything else", () => {
    const c = Counter.contract;
    expect(c.indexOf(create(AddRequestSchema, { by: 1n }))).toBe(0);
    expect(c.indexOf(create(GetRequestSchema))).toBe(1);
    // Twice in a row and after another type: the shortcut for a repeated type must not stick.
    expect(c.indexOf(create(GetRequestSchema))).toBe(1);
    expect(c.indexOf(create(AddRequestSchema))).toBe(0);
    for (const other of [create(CountSchema), "add", { $typeName: 42 }, {}, null, undefined, 7])
      expect(c.indexOf(other), String(other)).toBe(-1);
    expect(c.indexOf(create(AddRequestSchema))).toBe(0);
  });

  it("refuses two methods with one request type, naming the second", () => {
    const make = () =>
      contract("x.v1.S", "s", [
        { name: "add", input: AddRequestSchema, output: CountSchema, reentrant: false, invoke },
        { name: "plus", input: AddRequestSchema, output: CountSchema, reentrant: false, invoke },
      ]);
    expect(make).toThrow(InvalidOptionError);
    expect(make).toThrow(/invalid option methods\.plus: takes contracts\.test\.v1\.AddRequest like add/);
  });

  it("checks handlers: an object with a function per method", () => {
    expect(() => Counter.contract.check(null, "the test")).toThrow(MissingHandlerError);
    expect(() => Counter.contract.check(null, "the test")).toThrow(
      "the test must return an object implementing the handlers of contracts.test.v1.Counter, got null",
    );
    const error = (() => {
      try {
        Counter.contract.check({ add() {}, get() {}, bump: 1 }, "the test");
      } catch (e) {
        return e as MissingHandlerError;
      }
    })();
    expect(error?.code).toBe("MissingHandler");
    expect(error?.method).toBe("bump");
  });
});
