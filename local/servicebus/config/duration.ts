// Parses the ISO 8601 durations that Config.json uses (PT1M, PT10M, P1D, PT0.5S) into milliseconds.
// TimeSpan-style "hh:mm:ss" is accepted too, since .NET tooling sometimes writes durations that way.

const ISO_DURATION =
  /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const TIMESPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/;

/** Milliseconds in the duration, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const iso = ISO_DURATION.exec(text);
  if (iso && text !== "P" && text !== "PT" && !text.endsWith("T")) {
    const [, days, hours, minutes, seconds] = iso;
    return Math.round(
      (Number(days ?? 0) * 86_400 +
        Number(hours ?? 0) * 3_600 +
        Number(minutes ?? 0) * 60 +
        Number(seconds ?? 0)) *
        1000,
    );
  }
  const span = TIMESPAN.exec(text);
  if (span) {
    const [, days, hours, minutes, seconds] = span;
    return Math.round(
      (Number(days ?? 0) * 86_400 + Number(hours) * 3_600 + Number(minutes) * 60 + Number(seconds)) * 1000,
    );
  }
  return undefined;
}
