// The three Reflect metadata functions @peculiar/x509's dependency injection (tsyringe) needs before it loads.
// The package expects the application to supply them; this defines them only where nothing else has.

type Metadata = Map<unknown, unknown>;
type ReflectWithMetadata = typeof Reflect & {
  getMetadata?: (key: unknown, target: object) => unknown;
  getOwnMetadata?: (key: unknown, target: object) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: object) => void;
};

const reflect = Reflect as ReflectWithMetadata;

if (reflect.getMetadata === undefined) {
  const store = new WeakMap<object, Metadata>();
  const own = (key: unknown, target: object): unknown => store.get(target)?.get(key);
  reflect.getOwnMetadata = own;
  // Metadata is inherited along the prototype chain, as in the metadata proposal.
  reflect.getMetadata = (key, target) => {
    for (let at: object | null = target; at !== null; at = Object.getPrototypeOf(at)) {
      const value = own(key, at);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  reflect.defineMetadata = (key, value, target) => {
    const metadata = store.get(target) ?? new Map<unknown, unknown>();
    metadata.set(key, value);
    store.set(target, metadata);
  };
}
