import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Any, AnySchema } from "@bufbuild/protobuf/wkt";
import type { EventJournal } from "@tsakt/persistence";
import { ProducerJournalError } from "./errors.js";
import { Kind } from "./gen/tsakt/delivery/v1/delivery_pb.js";
import type { Entry } from "./queue.js";

/** Type name of the journal event that ends a sequence (end()); a failure is journaled as a message is not. */
const endTypeName = "tsakt.delivery.v1.End";

/** What a producer finds in its journal when it starts: the unconfirmed messages and the next sequence number. */
export interface Recovered {
  readonly entries: Entry[];
  readonly nextSeq: number;
}

/**
 * A durable producer's journal: the persistence id "delivery-producer/<id>" holds every message not yet known to be
 * confirmed, as a google.protobuf.Any, under its sequence number. Confirmed messages are deleted, one delete at a time.
 */
export class ProducerJournal {
  readonly persistenceId: string;
  private running: Promise<void> | undefined = undefined;
  private deleteTarget = 0;
  private deleted = 0;

  constructor(
    private readonly journal: EventJournal,
    private readonly producerId: string,
    /** Told when deleting confirmed messages failed (they are then replayed and sent again by the next run). */
    private readonly onDeleteFailed: (error: ProducerJournalError) => void,
  ) {
    this.persistenceId = `delivery-producer/${producerId}`;
  }

  /** Reads what the previous run of this producer left unconfirmed. */
  async recover(): Promise<Recovered> {
    try {
      const highest = await this.journal.highestSequenceNr(this.persistenceId);
      const entries: Entry[] = [];
      for await (const event of this.journal.replay(this.persistenceId, 1)) {
        const end = event.typeName === endTypeName;
        entries.push({
          seq: event.sequenceNr,
          kind: end ? Kind.END : Kind.MESSAGE,
          message: undefined,
          packed: end ? undefined : fromBinary(AnySchema, event.bytes),
          reason: "",
        });
      }
      this.deleted = (entries[0]?.seq ?? highest + 1) - 1;
      return { entries, nextSeq: highest + 1 };
    } catch (error) {
      throw new ProducerJournalError(this.producerId, "read", { cause: error });
    }
  }

  /** Appends `entries` (the next sequence numbers after `stored`) as one atomic batch. */
  async append(entries: readonly Entry[], stored: number): Promise<void> {
    const events = entries.map((e) =>
      e.kind === Kind.END
        ? { bytes: new Uint8Array(0), typeName: endTypeName }
        : { bytes: toBinary(AnySchema, e.packed as Any), typeName: (e.packed as Any).typeUrl },
    );
    try {
      await this.journal.append(this.persistenceId, events, stored);
    } catch (error) {
      throw new ProducerJournalError(this.producerId, "append to", { cause: error });
    }
  }

  /** Deletes the events up to `seq` in the background; a later call while one runs only moves the target. */
  confirmUpTo(seq: number): void {
    if (seq <= this.deleteTarget) return;
    this.deleteTarget = seq;
    this.running ??= this.deleteLoop().finally(() => {
      this.running = undefined;
    });
  }

  private async deleteLoop(): Promise<void> {
    try {
      while (this.deleted < this.deleteTarget) {
        const target = this.deleteTarget;
        await this.journal.deleteUpTo(this.persistenceId, target);
        this.deleted = target;
      }
    } catch (error) {
      this.onDeleteFailed(new ProducerJournalError(this.producerId, "delete confirmed messages from", { cause: error }));
    }
  }

  /** Resolves once no delete is running. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}
