// Checks across the entities of one namespace that per-field validation cannot make: names are unique regardless of
// case (Service Bus matches them case-insensitively), every forwarding target is a queue or topic of the namespace,
// and no entity forwards to itself.

interface Forwarding {
  readonly ForwardTo?: string | undefined;
  readonly ForwardDeadLetteredMessagesTo?: string | undefined;
}

interface Named {
  readonly Name: string;
}

interface NamespaceEntities {
  readonly Queues: readonly (Named & { readonly Properties?: Forwarding | undefined })[];
  readonly Topics: readonly (Named & {
    readonly Subscriptions: readonly (Named & {
      readonly Properties?: Forwarding | undefined;
      readonly Rules?: readonly Named[] | undefined;
    })[];
  })[];
}

export interface ConfigProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/** Names in one scope that clash once case is ignored; each clash is reported at the later entry. */
function clashes(entries: readonly { name: string; path: (string | number)[] }[]): ConfigProblem[] {
  const seen = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  for (const { name, path } of entries) {
    const key = name.toLowerCase();
    const earlier = seen.get(key);
    if (earlier === undefined) seen.set(key, name);
    else
      problems.push({
        path: [...path, "Name"],
        message: `'${name}' clashes with '${earlier}'; names are case-insensitive`,
      });
  }
  return problems;
}

/** Queues and topics share one set of names; subscriptions are unique within a topic, rules within a subscription. */
export function nameProblems(namespace: NamespaceEntities): ConfigProblem[] {
  const problems = clashes([
    ...namespace.Queues.map((queue, i) => ({ name: queue.Name, path: ["Queues", i] })),
    ...namespace.Topics.map((topic, i) => ({ name: topic.Name, path: ["Topics", i] })),
  ]);
  namespace.Topics.forEach((topic, i) => {
    problems.push(
      ...clashes(
        topic.Subscriptions.map((s, j) => ({ name: s.Name, path: ["Topics", i, "Subscriptions", j] })),
      ),
    );
    topic.Subscriptions.forEach((subscription, j) => {
      const rules = subscription.Rules ?? [];
      problems.push(
        ...clashes(
          rules.map((r, k) => ({ name: r.Name, path: ["Topics", i, "Subscriptions", j, "Rules", k] })),
        ),
      );
    });
  });
  return problems;
}

const FORWARDING_FIELDS = ["ForwardTo", "ForwardDeadLetteredMessagesTo"] as const;
type ForwardingField = (typeof FORWARDING_FIELDS)[number];

/** What a forwarding target must not be for the entity at hand, with the words that explain why. */
type SelfCheck = (field: ForwardingField, target: string) => string | undefined;

/** Problems with forwarding targets; paths are relative to the namespace object. */
export function forwardingProblems(namespace: NamespaceEntities): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // Queues and topics share one set of names; Service Bus matches them case-insensitively.
  const names = new Set(
    [...namespace.Queues, ...namespace.Topics].map((entity) => entity.Name.toLowerCase()),
  );
  const check = (properties: Forwarding | undefined, path: (string | number)[], self: SelfCheck): void => {
    for (const field of FORWARDING_FIELDS) {
      // Microsoft's sample files write "" for "no forwarding".
      const target = properties?.[field];
      if (target === undefined || target === "") continue;
      const at = [...path, "Properties", field];
      const key = target.toLowerCase();
      if (!names.has(key)) {
        problems.push({ path: at, message: `'${target}' is not a queue or topic of this namespace` });
        continue;
      }
      const reason = self(field, key);
      if (reason) problems.push({ path: at, message: `'${target}' ${reason}` });
    }
  };
  namespace.Queues.forEach((queue, i) => {
    const own = queue.Name.toLowerCase();
    check(queue.Properties, ["Queues", i], (_field, target) =>
      target === own ? "is the queue itself; an entity cannot forward to itself" : undefined,
    );
  });
  namespace.Topics.forEach((topic, i) => {
    const own = topic.Name.toLowerCase();
    topic.Subscriptions.forEach((subscription, j) => {
      check(subscription.Properties, ["Topics", i, "Subscriptions", j], (field, target) =>
        field === "ForwardTo" && target === own
          ? "is the subscription's own topic; every message would be forwarded back to it"
          : undefined,
      );
    });
  });
  return problems;
}
