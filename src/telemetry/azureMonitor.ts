// OpenTelemetry in Azure: the Azure Monitor distro exports the service's spans and metrics (src/telemetry) to
// Application Insights, authenticated with the app's managed identity, since the resource refuses local
// authentication (instrumentation keys). Started once, when the worker starts, and only where a connection string
// is set; the distro is a bundle of its own, loaded only then (scripts/build.mjs).
import type { Config } from "../config.js";

export type TelemetrySettings = Pick<Config, "APPLICATIONINSIGHTS_CONNECTION_STRING" | "AZURE_CLIENT_ID">;

let started = false;

/** Starts exporting to Application Insights; false (and nothing loaded) without a connection string. */
export async function startAzureMonitor(settings: TelemetrySettings): Promise<boolean> {
  const connectionString = settings.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (connectionString === undefined || started) return started;
  const [{ useAzureMonitor }, { ManagedIdentityCredential }] = await Promise.all([
    import("@azure/monitor-opentelemetry"),
    import("@azure/identity"),
  ]);
  useAzureMonitor({
    azureMonitorExporterOptions: {
      connectionString,
      // Entra ID authentication: the user-assigned identity holds Monitoring Metrics Publisher on the resource.
      credential: new ManagedIdentityCredential(
        settings.AZURE_CLIENT_ID === undefined ? {} : { clientId: settings.AZURE_CLIENT_ID },
      ),
    },
    // Every trace: an operator asked about one share must find its trace, and shares come at a few a second at
    // most. (The distro's default keeps 5 new traces a second.) The decision is parent-based, so a share's later
    // steps follow the one its trace context carries.
    samplingRatio: 1,
    tracesPerSecond: 0,
    enableLiveMetrics: false,
  });
  started = true;
  return true;
}
