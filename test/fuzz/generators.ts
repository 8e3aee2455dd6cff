// Small seeded generators for fuzzing: the same seed gives the same cases, so a failure names its seed and can be
// replayed with FUZZ_SEED. Values lean towards what breaks parsers and validators: edge numbers, odd characters,
// prototype keys, near-valid shapes and deep nesting.

export type Random = () => number;

/** mulberry32: a tiny, fast, seeded generator (not for secrets). */
export function seeded(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (random: Random, max: number) => Math.floor(random() * max);
export const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)] as T;

const ODD_CHARACTERS = [
  "\u0000",
  "\r\n",
  "\t",
  "\u2028",
  "\u202e",
  "\ud83d\ude00",
  "é",
  "%",
  "%0D%0A",
  "../",
  "'",
  '"',
  "\\",
  "<script>",
  "$" + "{x}",
  " ",
  "",
];

export function string(random: Random): string {
  const length = random() < 0.05 ? 200 + int(random, 2_000) : int(random, 24);
  let text = "";
  while (text.length < length) {
    text += random() < 0.2 ? pick(random, ODD_CHARACTERS) : String.fromCharCode(32 + int(random, 95));
  }
  return text;
}

const NUMBERS = [0, -0, 1, -1, 0.5, 1e308, -1e308, 2 ** 53 + 1, Number.MIN_VALUE, 900, 901, 59, 60];
const KEYS = [
  "trustId",
  "credentialTypes",
  "requestId",
  "requestStatus",
  "state",
  "subject",
  "verifiedCredentialsData",
  "claims",
  "issuer",
  "type",
  "error",
  "__proto__",
  "constructor",
  "",
];

/** Any JSON value, at most `depth` levels deep. */
export function json(random: Random, depth = 4): unknown {
  const kind = int(random, depth > 0 ? 7 : 4);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return random() < 0.5 ? pick(random, NUMBERS) : (random() - 0.5) * 10 ** int(random, 20);
    case 3:
      return string(random);
    case 4:
      return Array.from({ length: int(random, 5) }, () => json(random, depth - 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = int(random, 5); i > 0; i--) {
        object[random() < 0.6 ? pick(random, KEYS) : string(random)] = json(random, depth - 1);
      }
      return object;
    }
  }
}

/** One of `valid`, or else something random, so that many cases get past the first check. */
export const nearly = (random: Random, valid: readonly unknown[]): unknown =>
  random() < 0.6 ? pick(random, valid) : json(random, 2);

/** A request body as raw text: usually JSON, sometimes broken JSON or something else entirely. */
export function bodyText(random: Random, value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  switch (int(random, 10)) {
    case 0:
      return text.slice(0, int(random, text.length + 1));
    case 1:
      return `${"[".repeat(int(random, 5_000))}`;
    case 2:
      return string(random);
    default:
      return text;
  }
}

export const contentType = (random: Random) =>
  random() < 0.85
    ? "application/json"
    : pick(random, [
        "text/plain",
        "application/json; charset=latin1",
        "application/x-www-form-urlencoded",
        "",
      ]);
