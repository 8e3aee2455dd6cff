// fast-check inputs for fuzzing the HTTP endpoints: values that lean towards what breaks parsers and validators
// (edge numbers, odd characters, prototype keys, near-valid shapes, deep nesting, broken JSON), and raw request
// bodies and content types built from them.
import fc from "fast-check";

const ODD_CHARACTERS = [
  "\u0000",
  "\r\n",
  "\t",
  "\u2028",
  "\u202e",
  "\ud83d\ude00",
  "\ud800",
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
];

/** Text: printable, odd characters and lone surrogates mixed, any code unit, or now and then long. */
export const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 24 }) },
  {
    weight: 3,
    arbitrary: fc.string({ unit: fc.constantFrom(...ODD_CHARACTERS, "a", "Z", "0", "-"), maxLength: 12 }),
  },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 200, maxLength: 2_000 }) },
);

/** A header value the fetch API will send: visible ASCII only, possibly empty. */
export const headerToken: fc.Arbitrary<string> = text.map((value) => value.replace(/[^\x21-\x7e]/g, ""));

const EDGE_NUMBERS = [0, -0, 1, -1, 0.5, 1e308, -1e308, 2 ** 53 + 1, Number.MIN_VALUE, 900, 901, 59, 60];

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
  "prototype",
  "",
];

/** Any JSON value up to `maxDepth` levels, with the keys the service reads and prototype keys preferred. */
export const json = (maxDepth = 3): fc.Arbitrary<unknown> =>
  fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true, maxDepth },
      fc.constant(null),
      fc.boolean(),
      fc.constantFrom(...EDGE_NUMBERS),
      fc.double(),
      fc.integer(),
      text,
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), text), tie("value"), { maxKeys: 4 }),
    ),
  })).value;

/** One of the valid values, or else anything, so that many cases get past the first check. */
export const nearly = (valid: readonly unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid) }, { weight: 2, arbitrary: json(2) });

/** A request body as raw text: usually the value's JSON, sometimes cut short, deeply nested, or not JSON. */
export const bodyText = (value: fc.Arbitrary<unknown>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 7, arbitrary: value.map((v) => JSON.stringify(v) ?? "null") },
    {
      weight: 1,
      arbitrary: fc.tuple(value, fc.double({ min: 0, max: 1, noNaN: true })).map(([v, cut]) => {
        const whole = JSON.stringify(v) ?? "null";
        return whole.slice(0, Math.floor(cut * whole.length));
      }),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5_000 }).map((depth) => "[".repeat(depth)) },
    { weight: 1, arbitrary: text },
  );

export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "text/plain",
      "application/json; charset=latin1",
      "application/x-www-form-urlencoded",
      "",
      undefined,
    ),
  },
);

/** Percent-encodes text for a URL, lone surrogates (which encodeURIComponent refuses) as U+FFFD. */
export const encode = (value: string) =>
  encodeURIComponent(
    value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"),
  );

/** A path segment: percent-encoded text, sometimes the shape of a minted id, sometimes broken percent-encoding. */
export const segment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: text.map((value) => encode(value).slice(0, 300) || "x") },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{22}$/) },
  { weight: 1, arbitrary: text.map((value) => `${encode(value).slice(0, 40)}%E`) },
);
