// The local certificate authority for OpenID4VP: a verifier chain whose leaf signs the service's request objects, and
// an issuer chain that certifies the local SD-JWT VC issuers' keys. Written once under a folder and reused after.
// Before @peculiar/x509 loads: it needs Reflect metadata functions at import time.
import "./reflectMetadata.js";
import { randomUUID, webcrypto } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from "@peculiar/x509";

/** Where the local certificates live unless a caller names another folder: .local/openid4vp, git-ignored. */
export const DEFAULT_LOCAL_CERTIFICATES_DIR = fileURLToPath(
  new URL("../../.local/openid4vp", import.meta.url),
);

export type LocalCertificates = {
  readonly verifier: {
    /** The self-signed trust anchor; never sent in an `x5c`. */
    readonly rootPem: string;
    /** The leaf's PEM then the intermediate's, concatenated (never the root). */
    readonly chainPem: string;
    /** The leaf's P-256 private key, PKCS #8. */
    readonly keyPkcs8Pem: string;
  };
  readonly issuers: {
    /** The self-signed trust anchor of every local issuer. */
    readonly rootPem: string;
    /** A leaf for this https issuer URL (DNS SAN its host, URI SAN the URL), signed by the issuer intermediate. */
    certify(issuerUrl: string): Promise<IssuerCertificate>;
  };
};

export type IssuerCertificate = {
  /** Base64 DER of the leaf then the intermediate, as a JOSE `x5c`. */
  readonly x5c: string[];
  readonly privateKey: CryptoKey;
};

export type LocalCertificateOptions = {
  /** The clock certificates' validity follows; also decides whether stored ones are still valid. */
  readonly now?: () => Date;
};

export const VERIFIER_ROOT_NAME = "Staff Passport local verifier root";
export const VERIFIER_LEAF_NAME = "Staff Passport verifier (local)";
export const ISSUER_ROOT_NAME = "Staff Passport local issuer root";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const EC_KEY = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

// The files this authority keeps. Root private keys are never written: nothing is signed by a root after the first
// run, so a root key on disk would only be something to steal.
export const LOCAL_CERTIFICATE_FILES = {
  verifierRoot: "verifier-root.pem",
  verifierIntermediate: "verifier-intermediate.pem",
  verifierLeaf: "verifier-leaf.pem",
  verifierLeafKey: "verifier-leaf.key.pem",
  issuerRoot: "issuer-root.pem",
  issuerIntermediate: "issuer-intermediate.pem",
  issuerIntermediateKey: "issuer-intermediate.key.pem",
} as const;

const FILES = LOCAL_CERTIFICATE_FILES;

type StoredFiles = Record<keyof typeof FILES, string>;

// Two starts in one process (the system and its simulator) must not write two different authorities into one folder.
const inFlight = new Map<string, Promise<LocalCertificates>>();

/**
 * The local certificates in `folder`: read back when all of them are there, valid now and chained as expected,
 * otherwise (first run, a partly written folder, expired certificates) made afresh and written.
 */
export function ensureLocalCertificates(
  folder: string,
  options: LocalCertificateOptions = {},
): Promise<LocalCertificates> {
  const dir = resolve(folder);
  const pending = inFlight.get(dir);
  if (pending !== undefined) return pending;
  const now = options.now ?? (() => new Date());
  const made = (async () => {
    const files = (await readStored(dir, now())) ?? (await replaceWithFresh(dir, now));
    return fromFiles(files, now);
  })().finally(() => inFlight.delete(dir));
  inFlight.set(dir, made);
  return made;
}

async function readStored(dir: string, at: Date): Promise<StoredFiles | undefined> {
  const entries = await Promise.all(
    Object.entries(FILES).map(async ([name, file]) => {
      try {
        return [name, await readFile(join(dir, file), "utf8")] as const;
      } catch {
        return undefined;
      }
    }),
  );
  if (entries.some((entry) => entry === undefined)) return undefined;
  const files = Object.fromEntries(entries.filter((entry) => entry !== undefined)) as StoredFiles;
  try {
    const fits =
      (await chains(files.verifierLeaf, files.verifierIntermediate, files.verifierRoot, at)) &&
      (await chains(files.issuerIntermediate, files.issuerRoot, files.issuerRoot, at)) &&
      (await keyMatches(files.verifierLeafKey, files.verifierLeaf)) &&
      (await keyMatches(files.issuerIntermediateKey, files.issuerIntermediate));
    return fits ? files : undefined;
  } catch {
    // Unreadable PEM or a key of the wrong kind: the folder was partly written or edited.
    return undefined;
  }
}

/** Whether `childPem` is signed by `parentPem`'s key, `parentPem` by `rootPem`'s, and all are valid at `at`. */
async function chains(childPem: string, parentPem: string, rootPem: string, at: Date): Promise<boolean> {
  const child = new X509Certificate(childPem);
  const parent = new X509Certificate(parentPem);
  const root = new X509Certificate(rootPem);
  return (
    (await child.verify({ publicKey: parent.publicKey, date: at }, webcrypto)) &&
    (await parent.verify({ publicKey: root.publicKey, date: at }, webcrypto)) &&
    (await root.verify({ date: at }, webcrypto))
  );
}

/** Whether a stored private key is the one certified, checked by signing with it. */
async function keyMatches(keyPem: string, certificatePem: string): Promise<boolean> {
  const privateKey = await importSigningKey(keyPem);
  const publicKey = await new X509Certificate(certificatePem).publicKey.export(EC_KEY, ["verify"], webcrypto);
  const data = new TextEncoder().encode("local certificate authority key check");
  const signature = await webcrypto.subtle.sign(SIGNING, privateKey, data);
  return webcrypto.subtle.verify(SIGNING, publicKey, signature, data);
}

async function makeFresh(at: Date): Promise<StoredFiles> {
  const verifierRoot = await selfSignedRoot(VERIFIER_ROOT_NAME, at);
  const verifierIntermediate = await intermediate(
    "Staff Passport local verifier intermediate",
    verifierRoot,
    at,
  );
  const verifierLeaf = await leaf(VERIFIER_LEAF_NAME, [], verifierIntermediate, at);
  const issuerRoot = await selfSignedRoot(ISSUER_ROOT_NAME, at);
  const issuerIntermediate = await intermediate("Staff Passport local issuer intermediate", issuerRoot, at);
  return {
    verifierRoot: verifierRoot.certificate.toString("pem"),
    verifierIntermediate: verifierIntermediate.certificate.toString("pem"),
    verifierLeaf: verifierLeaf.certificate.toString("pem"),
    verifierLeafKey: await pkcs8Pem(verifierLeaf.keys.privateKey),
    issuerRoot: issuerRoot.certificate.toString("pem"),
    issuerIntermediate: issuerIntermediate.certificate.toString("pem"),
    issuerIntermediateKey: await pkcs8Pem(issuerIntermediate.keys.privateKey),
  };
}

/**
 * Writes a fresh set beside `dir` and renames it into place, so that another process never reads half a set. When
 * another process got there first with a sound set, that one is used: one folder, one authority.
 */
async function replaceWithFresh(dir: string, now: () => Date): Promise<StoredFiles> {
  const files = await makeFresh(now());
  const suffix = `${process.pid}.${randomUUID()}`;
  const fresh = `${dir}.${suffix}.new`;
  await mkdir(fresh, { recursive: true, mode: 0o700 });
  try {
    for (const [name, file] of Object.entries(FILES)) {
      await writeFile(join(fresh, file), `${files[name as keyof StoredFiles].trim()}\n`, { mode: 0o600 });
    }
    if (await renamed(fresh, dir)) return files;
    const theirs = await readStored(dir, now());
    if (theirs !== undefined) return theirs;
    // The folder holds an unsound set (partly written, edited or expired): set it aside and take its place.
    const stale = `${dir}.${suffix}.old`;
    await rename(dir, stale).catch(() => undefined);
    await rm(stale, { recursive: true, force: true });
    if (await renamed(fresh, dir)) return files;
    const winner = await readStored(dir, now());
    if (winner === undefined) throw new Error(`Could not write the local certificates in ${dir}.`);
    return winner;
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
}

/** Renames a folder onto `to`, which may be missing or empty; false when `to` holds something. */
async function renamed(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST") return false;
    throw error;
  }
}

async function fromFiles(files: StoredFiles, now: () => Date): Promise<LocalCertificates> {
  const issuerIntermediate = new X509Certificate(files.issuerIntermediate);
  const issuerIntermediateKey = await importSigningKey(files.issuerIntermediateKey);
  const issued = new Map<string, Promise<IssuerCertificate>>();
  const certify = (issuerUrl: string): Promise<IssuerCertificate> => {
    const url = URL.canParse(issuerUrl) ? new URL(issuerUrl) : undefined;
    if (url?.protocol !== "https:") return Promise.reject(new TypeError("An issuer URL is https."));
    let certificate = issued.get(url.href);
    if (certificate === undefined) {
      const names = [
        { type: "dns" as const, value: url.hostname },
        { type: "url" as const, value: issuerUrl },
      ];
      certificate = leaf(
        url.hostname,
        names,
        { certificate: issuerIntermediate, privateKey: issuerIntermediateKey },
        now(),
        false,
      ).then(({ certificate: made, keys }) => ({
        x5c: [made.toString("base64"), issuerIntermediate.toString("base64")],
        privateKey: keys.privateKey,
      }));
      // A failed attempt is not remembered, so the next call tries again.
      certificate.catch(() => issued.delete(url.href));
      issued.set(url.href, certificate);
    }
    return certificate;
  };
  return {
    verifier: {
      rootPem: `${files.verifierRoot.trim()}\n`,
      chainPem: `${files.verifierLeaf.trim()}\n${files.verifierIntermediate.trim()}\n`,
      keyPkcs8Pem: `${files.verifierLeafKey.trim()}\n`,
    },
    issuers: { rootPem: `${files.issuerRoot.trim()}\n`, certify },
  };
}

type Authority = { readonly certificate: X509Certificate; readonly privateKey: CryptoKey };
type Made = { readonly certificate: X509Certificate; readonly keys: CryptoKeyPair };

function validity(at: Date): { notBefore: Date; notAfter: Date } {
  const notAfter = new Date(at);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 5);
  return { notBefore: new Date(at.getTime() - DAY_MS), notAfter };
}

/** Only keys written to the folder are extractable; issuer leaf keys never leave memory. */
function newKeys(extractable = true): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_KEY, extractable, ["sign", "verify"]);
}

async function selfSignedRoot(name: string, at: Date): Promise<Authority & Made> {
  const keys = await newKeys();
  const certificate = await X509CertificateGenerator.createSelfSigned(
    {
      name: [{ CN: [name] }],
      keys,
      signingAlgorithm: SIGNING,
      ...validity(at),
      extensions: [
        new BasicConstraintsExtension(true, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return { certificate, keys, privateKey: keys.privateKey };
}

async function intermediate(name: string, parent: Authority, at: Date): Promise<Authority & Made> {
  const keys = await newKeys();
  const certificate = await signed(name, keys.publicKey, parent, at, [
    new BasicConstraintsExtension(true, 0, true),
    new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
  ]);
  return { certificate, keys, privateKey: keys.privateKey };
}

async function leaf(
  name: string,
  alternativeNames: readonly { type: "dns" | "url"; value: string }[],
  parent: Authority,
  at: Date,
  extractable = true,
): Promise<Made> {
  const keys = await newKeys(extractable);
  const extensions: Extension[] = [
    new BasicConstraintsExtension(false, undefined, true),
    new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
  ];
  if (alternativeNames.length > 0)
    extensions.push(new SubjectAlternativeNameExtension([...alternativeNames]));
  const certificate = await signed(name, keys.publicKey, parent, at, extensions);
  return { certificate, keys };
}

async function signed(
  name: string,
  publicKey: CryptoKey,
  parent: Authority,
  at: Date,
  extensions: Extension[],
): Promise<X509Certificate> {
  return X509CertificateGenerator.create(
    {
      subject: [{ CN: [name] }],
      issuer: parent.certificate.subject,
      publicKey,
      signingKey: parent.privateKey,
      signingAlgorithm: SIGNING,
      ...validity(at),
      extensions: [
        ...extensions,
        await SubjectKeyIdentifierExtension.create(publicKey, false, webcrypto),
        await AuthorityKeyIdentifierExtension.create(parent.certificate, false, webcrypto),
      ],
    },
    webcrypto,
  );
}

async function pkcs8Pem(privateKey: CryptoKey): Promise<string> {
  return PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", privateKey), "PRIVATE KEY");
}

function importSigningKey(pem: string): Promise<CryptoKey> {
  const [der] = PemConverter.decode(pem);
  if (der === undefined) throw new TypeError("No key in the PEM.");
  return webcrypto.subtle.importKey("pkcs8", der, EC_KEY, false, ["sign"]);
}
