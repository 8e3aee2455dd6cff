// The message properties a filter can test: `sys.` system properties and the application properties.
import type { Message } from "rhea";
import { idText } from "../messageFields.js";

export type FilterValue = string | number | boolean | Date | null;

function normalise(value: unknown): FilterValue {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (value instanceof Date) return value;
  if (typeof value === "bigint") return Number(value);
  return idText(value) ?? null;
}

/** System property by its SQL name (case-insensitive), as Service Bus names them. */
export function systemProperty(message: Message, name: string): FilterValue {
  switch (name.toLowerCase()) {
    case "messageid":
      return normalise(message.message_id);
    case "correlationid":
      return normalise(message.correlation_id);
    case "to":
      return normalise(message.to);
    case "replyto":
      return normalise(message.reply_to);
    case "label":
    case "subject":
      return normalise(message.subject);
    case "sessionid":
      return normalise(message.group_id);
    case "replytosessionid":
      return normalise(message.reply_to_group_id);
    case "contenttype":
      return normalise(message.content_type);
    case "timetolive":
      return normalise(message.ttl);
    case "deliverycount":
      return normalise(message.delivery_count);
    default:
      return normalise(
        (message.message_annotations as Record<string, unknown> | undefined)?.[`x-opt-${name}`],
      );
  }
}

export function hasApplicationProperty(message: Message, name: string): boolean {
  const properties = message.application_properties as Record<string, unknown> | undefined;
  return properties !== undefined && Object.hasOwn(properties, name);
}

export function applicationProperty(message: Message, name: string): FilterValue {
  return normalise((message.application_properties as Record<string, unknown> | undefined)?.[name]);
}
