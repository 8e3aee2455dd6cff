// The part of the standard wallets' verifier that needs the OpenID4VP, DCQL, SD-JWT and Token Status List libraries,
// as one module that index.ts imports dynamically on first use, so that the build bundles it into a file of its own.
export { STATUS_FETCH_LIMITS, statusListReader } from "./statusLists.js";
export { openid4vpVerifier } from "./verifier.js";
