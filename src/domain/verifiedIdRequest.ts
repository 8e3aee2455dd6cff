// The one record every Verified ID presentation request leaves in the `requests` container, whatever it is for.
// A callback finds it by our id (the `state` it echoes), proves itself with the api-key whose hash it holds,
// and `kind` says which state machine and acceptance rules apply (a login's here, a share's on its share).
import type { AccessKeyRequest } from "./accessKey.js";
import type { LoginRequest } from "./login.js";
import type { ShareRequest } from "./share.js";

export type { Openid4vpRecord, RequestBase } from "./requestBase.js";

/** A login's or share's presentation request, or an access key's issuance request (API.md section 10). */
export type VerifiedIdRequest = LoginRequest | ShareRequest | AccessKeyRequest;

export type RequestKind = VerifiedIdRequest["kind"];
