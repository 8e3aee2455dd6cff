// Reads and validates a Config.json; a bad file is refused with a message naming the offending field.
import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { type EmulatorConfig, emulatorConfigSchema, type ValidEmulatorConfig } from "./schema.js";

export class ConfigError extends Error {
  readonly code = "InvalidEmulatorConfig";
}

function fieldPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    text += typeof part === "number" ? `[${part}]` : `${text === "" ? "" : "."}${String(part)}`;
  }
  return text === "" ? "(root)" : text;
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`).join("; ");
}

/** Validates a parsed Config.json object. */
export function parseEmulatorConfig(input: unknown, source = "config"): ValidEmulatorConfig {
  const result = emulatorConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(`Invalid Service Bus emulator ${source}: ${describe(result.error)}`);
  }
  return result.data;
}

/** Reads, parses and validates a Config.json file. */
export async function loadEmulatorConfig(path: string): Promise<ValidEmulatorConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`Cannot read Service Bus emulator config ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Service Bus emulator config ${path} is not JSON: ${(error as Error).message}`);
  }
  return parseEmulatorConfig(json, path);
}

export type { EmulatorConfig, ValidEmulatorConfig };
