import { TsaktError } from "@tsakt/actor";

/** A message published on a topic with subscribers on other nodes is not a protobuf message of a registered type. */
export class PublicationNotSerializableError extends TsaktError {
  constructor(topic: string, typeName: string) {
    super(
      "PublicationNotSerializable",
      `cannot carry a ${typeName} published on topic ${JSON.stringify(topic)} to other nodes: publish protobuf messages and pass their schemas in clusterPubSub({ types })`,
    );
  }
}
