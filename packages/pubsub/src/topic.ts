import { InvalidOptionError } from "@tsakt/actor";

/** Longest accepted topic name. */
export const maxTopicLength = 255;

const topicPattern = /^[A-Za-z0-9_.~@:/-]+$/;

/** Throws InvalidOptionError naming `field` (default: "topic") unless `topic` is a usable topic name. */
export function validateTopic(topic: unknown, field = "topic"): asserts topic is string {
  if (typeof topic !== "string") throw new InvalidOptionError(field, `must be a string, got ${typeof topic}`);
  if (topic.length === 0) throw new InvalidOptionError(field, "must not be empty");
  if (topic.length > maxTopicLength)
    throw new InvalidOptionError(field, `must be at most ${maxTopicLength} characters, got ${topic.length}`);
  if (!topicPattern.test(topic))
    throw new InvalidOptionError(field, `${JSON.stringify(topic)} may use only letters, digits and _ . ~ @ : / - (no spaces)`);
}
