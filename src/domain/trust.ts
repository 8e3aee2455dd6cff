// A trust in the directory: who it is, which access key it issues, and where its share events go.

export type Trust = {
  /** ODS-style organisation code, e.g. "RBH". */
  readonly id: string;
  readonly name: string;
  readonly active: boolean;
  /** The credential type of this trust's access key (see catalogue ACCESS_KEY_TYPE). */
  readonly accessKeyType: string;
  /** The DIDs that issue this trust's access keys; never empty. */
  readonly issuerDids: readonly [string, ...string[]];
  /** RFC 8935 push endpoint for share events; absent when the trust reads the topic itself. */
  readonly deliveryEndpoint?: string;
};
