// NCRONTAB, the six-field schedule of timer triggers: "{second} {minute} {hour} {day} {month} {day-of-week}",
// each field "*", a number, a range "a-b", a step "*/n" or "a-b/n", or a comma list of those. Times are UTC,
// as on Azure when WEBSITE_TIME_ZONE is not set.

type Field = { min: number; max: number; names?: readonly string[] };

const FIELDS: readonly Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  {
    min: 1,
    max: 12,
    names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  },
  { min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

export type Schedule = { readonly values: readonly ReadonlySet<number>[]; next(after: Date): Date };

function fieldValue(text: string, field: Field): number {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  const value = named >= 0 ? named + field.min : Number(text);
  if (!Number.isInteger(value) || value < field.min || value > field.max) {
    throw new Error(`"${text}" is outside ${field.min}-${field.max}`);
  }
  return value;
}

function parseField(text: string, field: Field): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [range = "", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in "${part}"`);
    let from = field.min;
    let to = field.max;
    if (range !== "*") {
      const [a = "", b] = range.split("-");
      from = fieldValue(a, field);
      to = b === undefined ? (stepText === undefined ? from : field.max) : fieldValue(b, field);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

export function parseNcrontab(expression: string): Schedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6) throw new Error(`NCRONTAB "${expression}" must have six fields`);
  const values = parts.map((part, index) => {
    const field = FIELDS[index] as Field;
    try {
      return parseField(part, field);
    } catch (error) {
      throw new Error(`NCRONTAB "${expression}" field ${index + 1}: ${(error as Error).message}`);
    }
  });
  const [seconds, minutes, hours, days, months, weekdays] = values as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  return {
    values,
    next(after) {
      const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
      // Walk forward field by field; four years bounds the search for schedules such as 29 February.
      const limit = t.getTime() + 4 * 366 * 86_400_000;
      while (t.getTime() <= limit) {
        if (!months.has(t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0);
        } else if (!days.has(t.getUTCDate()) || !weekdays.has(t.getUTCDay())) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0);
        } else if (!hours.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0);
        } else if (!minutes.has(t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0);
        } else if (!seconds.has(t.getUTCSeconds())) {
          t.setUTCSeconds(t.getUTCSeconds() + 1);
        } else {
          return t;
        }
      }
      throw new Error(`NCRONTAB "${expression}" never fires`);
    },
  };
}
