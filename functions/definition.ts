// The shape of a function definition: its trigger options exactly as @azure/functions takes them, so that the
// Azure registration and the local host read the same object.
import type {
  HttpFunctionOptions,
  HttpMethod,
  ServiceBusQueueFunctionOptions,
  ServiceBusTopicFunctionOptions,
  TimerFunctionOptions,
} from "@azure/functions";
import type { OpenApiOperation } from "../src/http/openapi.js";

export type HttpFunctionDefinition = {
  kind: "http";
  name: string;
  options: HttpFunctionOptions & { route: string; methods: HttpMethod[] };
  openapi: OpenApiOperation;
};

export type ServiceBusTopicFunctionDefinition = {
  kind: "serviceBusTopic";
  name: string;
  options: ServiceBusTopicFunctionOptions;
};

export type ServiceBusQueueFunctionDefinition = {
  kind: "serviceBusQueue";
  name: string;
  options: ServiceBusQueueFunctionOptions;
};

export type TimerFunctionDefinition = {
  kind: "timer";
  name: string;
  options: TimerFunctionOptions;
};

export type FunctionDefinition =
  | HttpFunctionDefinition
  | ServiceBusTopicFunctionDefinition
  | ServiceBusQueueFunctionDefinition
  | TimerFunctionDefinition;
