// The portal's timing: how often it asks the service about a QR code, and how long a share may stay scanned
// without a presentation before the portal explains what a wallet that lacks a credential does.
export const POLL_MS = 1000;
export const STALLED_MS = 10_000;
