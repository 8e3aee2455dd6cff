// Shapes of the local seed files, shared by the loader and the Verified ID simulator (a wallet created over HTTP
// takes credentials in the same form as the seed).
import * as z from "zod";
import { strictTrustSchema } from "../../src/domain/trust.js";

const did = z.string().regex(/^did:[a-z0-9]+:.+$/, "must be a DID");
// The Request Service's date form, e.g. 2025-03-01T09:00:00Z.
const instant = z.iso.datetime({ offset: false });

export const seedTrustSchema = strictTrustSchema;

/** A credential as a wallet holds it; the simulator issues and signs it for the wallet's DID. */
export const walletCredentialSchema = z.object({
  type: z.string().min(1),
  issuer: did,
  claims: z.record(z.string(), z.unknown()),
  issuanceDate: instant.exactOptional(),
  expirationDate: instant.exactOptional(),
  revoked: z.boolean().exactOptional(),
});

export const seedWalletSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  /** Describes what the wallet is for in demos and tests. */
  description: z.string().exactOptional(),
  /** A fixed holder DID; without one the wallet's DID is did:jwk of its own key. */
  did: did.exactOptional(),
  credentials: z.array(walletCredentialSchema),
});

export type WalletCredential = z.infer<typeof walletCredentialSchema>;
export type SeedWallet = z.infer<typeof seedWalletSchema>;
