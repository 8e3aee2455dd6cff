// The access key endpoints' request and response shapes (API.md section 10), shared by their function files and
// the OpenAPI document.
import * as z from "zod";
import { mintedIdParam } from "./shareSchemas.js";

/** A staff id as the trust's HR system writes it: printable ASCII without spaces, as credential requests take it. */
const staffId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

/** A name or job title as the wallet shows it on the card: one line, not blank. */
const shownText = z
  .string()
  .max(100, "at most 100 characters")
  .refine((text) => text.trim() !== "", "must not be blank")
  .refine((text) => !/[\p{Cc}]/u.test(text), "must be one line without control characters");

export const newAccessKeySchema = z.strictObject({
  staffId,
  givenName: shownText,
  familyName: shownText,
  jobTitle: shownText,
});

export const offeredAccessKeySchema = z.object({
  accessKeyId: z.string(),
  staffId: z.string(),
  status: z.literal("offered"),
  url: z.string().describe("The openid-vc:// link the person opens in Microsoft Authenticator"),
  qrCode: z.string().describe("The link as a PNG data URL"),
  pin: z.string().describe("The PIN the trust gives the person by another channel; never shown again"),
  expiresAt: z.string().describe("When the link, QR code and PIN stop working"),
});

export const accessKeyViewSchema = z.object({
  accessKeyId: z.string(),
  staffId: z.string(),
  status: z.enum(["offered", "issued", "expired", "revoked", "failed"]),
  createdAt: z.string(),
  offerExpiresAt: z.string(),
  validUntil: z.string(),
  issuedAt: z.string().optional(),
  revokedAt: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string().optional() }).optional(),
});

export const accessKeyListSchema = z.object({ accessKeys: z.array(accessKeyViewSchema) });

export const accessKeyListQuery = z.object({ staffId });

export const accessKeyIdParams = z.object({ accessKeyId: mintedIdParam });
