import type { ActorSystem, Plugin } from "@tsakt/actor";
import { pluginOf } from "@tsakt/actor/internal";
import { file_tsakt_streams_v1_streams } from "./gen/tsakt/streams/v1/streams_pb.js";

/** The name `streamsOf(system)` looks for. */
export const streamsPluginName = "streams";

/** The streams plugin: registers the remote stream protocol's protobuf types and closes live stream references on stop. */
export class StreamsPlugin implements Plugin {
  readonly name = streamsPluginName;
  readonly packageName = "@tsakt/streams";
  readonly types = [file_tsakt_streams_v1_streams];
  /** @internal The live ends of remote streams of this system, closed when it stops. */
  readonly live = new Set<{ close(reason: string): void }>();

  /** Called by ActorSystem.start. */
  start(_system: ActorSystem): void {}

  /** Called by system.stop: cancels every live remote stream end. */
  stop(): void {
    for (const end of [...this.live]) end.close("the actor system stopped");
    this.live.clear();
  }
}

/** The streams plugin, for ActorSystem.start({ plugins: [remoting({ types }), streams()] }); needed by sourceRef and remoteSource. */
export function streams(): StreamsPlugin {
  return new StreamsPlugin();
}

/** The running streams plugin of `system`; PluginNotInstalledError when streams() is not among its plugins. */
export function streamsOf(system: ActorSystem): StreamsPlugin {
  return pluginOf<StreamsPlugin>(system, streamsPluginName, "streamsOf(system)", "@tsakt/streams");
}
