// Every function of the app, in one list read by the Azure registration (register.ts) and by the local host.
// Adding a function means adding its file and one line here.
import { cancelShare } from "./cancelShare.js";
import { createAccessKey } from "./createAccessKey.js";
import { createCredentialRequest } from "./createCredentialRequest.js";
import { createStream } from "./createStream.js";
import { decideCredential } from "./decideCredential.js";
import { declineCredentialRequest } from "./declineCredentialRequest.js";
import type { FunctionDefinition, HttpFunctionDefinition } from "./definition.js";
import { deleteStream } from "./deleteStream.js";
import { deliverShareEvent, retryShareDelivery } from "./deliverShareEvent.js";
import { expireShareEventClaims } from "./expireShareEventClaims.js";
import { exportPersonalData } from "./exportPersonalData.js";
import { health } from "./health.js";
import { jwks } from "./jwks.js";
import { listAccessKeys } from "./listAccessKeys.js";
import { listCredentialRequests } from "./listCredentialRequests.js";
import { listCredentialTypes } from "./listCredentialTypes.js";
import { listShares } from "./listShares.js";
import { openApi } from "./openApi.js";
import { openid4vpRequest } from "./openid4vpRequest.js";
import { openid4vpResponse } from "./openid4vpResponse.js";
import { openid4vpRoot } from "./openid4vpRoot.js";
import { pollShareEvents } from "./pollShareEvents.js";
import { readCredentialRequest } from "./readCredentialRequest.js";
import { readLogin } from "./readLogin.js";
import { readShare } from "./readShare.js";
import { readShareReceipt } from "./readShareReceipt.js";
import { readStream } from "./readStream.js";
import { readStreamStatus } from "./readStreamStatus.js";
import { recordShareEvent } from "./recordShareEvent.js";
import { replaceStream } from "./replaceStream.js";
import { revokeAccessKey } from "./revokeAccessKey.js";
import { searchTrusts } from "./searchTrusts.js";
import { ssfConfiguration } from "./ssfConfiguration.js";
import { startLogin } from "./startLogin.js";
import { startShare } from "./startShare.js";
import { sweepOutbox } from "./sweepOutbox.js";
import { updateStream } from "./updateStream.js";
import { updateStreamStatus } from "./updateStreamStatus.js";
import { verifiedIdCallback } from "./verifiedIdCallback.js";
import { verifiedIdCallbackAtOldUrl } from "./verifiedIdCallbackAtOldUrl.js";
import { verifyStream } from "./verifyStream.js";
import { withdrawCredentialRequest } from "./withdrawCredentialRequest.js";

export const functions: readonly FunctionDefinition[] = [
  health,
  openApi(() => httpFunctions()),
  jwks,
  searchTrusts,
  listCredentialTypes,
  startLogin,
  readLogin,
  verifiedIdCallback,
  verifiedIdCallbackAtOldUrl,
  openid4vpRequest,
  openid4vpResponse,
  openid4vpRoot,
  startShare,
  readShare,
  readShareReceipt,
  cancelShare,
  listShares,
  exportPersonalData,
  listCredentialRequests,
  declineCredentialRequest,
  decideCredential,
  createCredentialRequest,
  readCredentialRequest,
  withdrawCredentialRequest,
  createAccessKey,
  listAccessKeys,
  revokeAccessKey,
  pollShareEvents,
  ssfConfiguration,
  readStream,
  createStream,
  replaceStream,
  updateStream,
  deleteStream,
  readStreamStatus,
  updateStreamStatus,
  verifyStream,
  sweepOutbox,
  recordShareEvent,
  deliverShareEvent,
  retryShareDelivery,
  expireShareEventClaims,
];

export function httpFunctions(): HttpFunctionDefinition[] {
  return functions.filter((fn): fn is HttpFunctionDefinition => fn.kind === "http");
}
