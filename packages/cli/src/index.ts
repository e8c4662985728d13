export type { ActorPageAnswer, AskAnswer, MemberAnswer, MembersAnswer, NodeAnswer, OperationAnswer, StatusAnswer } from "./answers.js";
export { type CliOutput, CliUsageError, formatActors, formatMembers, formatStatus, runCli, usage } from "./cli.js";
export { EndpointError, EndpointUnreachableError, ManagementClient, type ManagementClientOptions } from "./management-client.js";
export { age, table } from "./table.js";
