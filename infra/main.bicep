// Staff Passport sharing service: every Azure resource it runs on, in one resource group. The Function App reaches
// Cosmos DB, Service Bus, Key Vault, Storage and Application Insights with its user-assigned identity; no key,
// connection string with a key, or secret appears in a setting or an output.
targetScope = 'resourceGroup'

import { builtInRoles } from 'modules/types.bicep'

@description('Environment name (azd\'s AZURE_ENV_NAME): part of the resource token that makes every name unique, and the azd-env-name tag. Any letters, digits, "-", "_" or "."; names stay valid whatever it is.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region for every resource (one where Flex Consumption is available).')
@minLength(1)
param location string = resourceGroup().location

@description('Tags applied to every resource, in addition to azd-env-name (the environment name, which they cannot override).')
param tags object = {}

@description('The verifier\'s DID (Verified ID authority) that presentation requests are made as.')
@minLength(1)
param verifiedIdAuthority string

@description('Public URL of /api/verifiedid/callback. Empty: the Front Door endpoint when enabled, otherwise the Function App host.')
param verifiedIdCallbackUrl string = ''

@description('The iss of session tokens and share events. Empty: the public /api base URL.')
param sessionIssuer string = ''

@description('Origins of the portal frontend allowed to call the API from a browser, e.g. https://portal.example.nhs.uk. Never "*".')
param corsAllowedOrigins string[] = []

@description('Cosmos DB capacity: Serverless (pay per request) or Autoscale (provisioned RU/s shared by the database).')
@allowed(['Serverless', 'Autoscale'])
param cosmosCapacityMode string = 'Serverless'

@description('Highest RU/s with Autoscale.')
@minValue(1000)
param cosmosAutoscaleMaxThroughput int = 1000

@description('Service Bus tier: Standard (pay per operation) or Premium (dedicated; always Premium with enableNetworkIsolation, for its private endpoint).')
@allowed(['Standard', 'Premium'])
param serviceBusSku string = 'Standard'

@description('Memory of each Function App instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Most Function App instances (also a ceiling on what the service can cost and on load on trust endpoints).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Blob container the deployment package is uploaded to.')
@minLength(3)
@maxLength(63)
param deploymentContainerName string = 'app-package'

@description('Name of the Key Vault key that signs session tokens and share events (SIGNING_KEY_NAME); the template creates it once, `npm run keys -- rotate` adds versions.')
@minLength(1)
@maxLength(127)
param signingKeyName string = 'share-signing-key'

@description('Name of the Key Vault key that signs OpenID4VP request objects (OPENID4VP_KEY_NAME); the template creates it once, and the verifier certificate (`npm run keys -- csr`) certifies its public key.')
@minLength(1)
@maxLength(127)
param openid4vpKeyName string = 'openid4vp-request-key'

@description('The OpenID4VP verifier\'s certificate chain (PEM, leaf first, without the root), issued by a CA the wallets trust for the request key (OPENID4VP_CERTIFICATE_CHAIN). Empty: standard wallets are not offered, only Verified ID.')
param openid4vpCertificateChain string = ''

@description('The trust anchors of SD-JWT VC issuers and their status lists (PEM, one or more certificates; OPENID4VP_ISSUER_ROOTS). Needed with openid4vpCertificateChain.')
param openid4vpIssuerRoots string = ''

@description('default: create the Key Vault. recover: bring back the soft-deleted vault of this environment (after `azd down`, purge protection keeps it for 90 days and holds its name).')
@allowed(['default', 'recover'])
param keyVaultCreateMode string = 'default'

@description('Object id of the operator who rotates the signing key (Key Vault Crypto Officer on that key) and registers trusts (the only writer of the trusts container). Empty: none.')
param operatorPrincipalId string = ''

@description('Kind of identity operatorPrincipalId is: User for a person, ServicePrincipal when a pipeline deploys (azd sets AZURE_PRINCIPAL_TYPE).')
@allowed(['User', 'Group', 'ServicePrincipal'])
param operatorPrincipalType string = 'User'

@description('Days a share event\'s payload (the claim values shared) may stay in Blob storage: the app deletes it once the trust has the event, and the lifecycle policy deletes whatever is left after this many days (SHARE_EVENT_RETENTION_DAYS).')
@minValue(1)
param shareEventRetentionDays int = 30

@description('Private networking: the Function App sends its traffic through a virtual network, and Cosmos DB, Key Vault, Storage and Service Bus (then Premium) take it only through private endpoints there, with public access disabled. Off for a quick trial.')
param enableNetworkIsolation bool = false

@description('Put Azure Front Door with a rate-limiting WAF in front of the app, and accept traffic only from it.')
param enableFrontDoor bool = false

@description('With Front Door: add Microsoft\'s managed WAF rule sets (Default Rule Set, Bot Manager), which need the Premium tier.')
param enableWafManagedRules bool = false

@description('With Front Door: POST /api/logins requests per minute per client IP address; sized for an NHS site whose staff share one outbound address.')
@minValue(1)
param loginRateLimitPerMinute int = 300

@description('With Front Door: other /api requests per minute per client IP address (Verified ID\'s callbacks aside); sized for shared outbound addresses.')
@minValue(1)
param apiRateLimitPerMinute int = 3000

@description('With Front Door: Verified ID callbacks per minute, from all senders together.')
@minValue(1)
param callbackRateLimitPerMinute int = 6000

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Most GB of logs Log Analytics ingests a day; past it, ingestion stops until the next day (-1: no cap).')
@minValue(-1)
param logDailyCapGb int = 1

@description('Resource id of an existing action group (Teams, ITSM, paging) every alert is sent to. Empty: the alerts are created without actions and show only in the portal.')
param alertActionGroupId string = ''

@description('An address every alert is also e-mailed to, through an action group the template creates. Empty: none.')
param alertEmail string = ''

@description('Failed or dead-lettered deliveries to trusts in 15 minutes above which an alert fires.')
@minValue(0)
param deliveryFailureAlertThreshold int = 5

@description('HTTP 5xx responses of the Function App in 15 minutes above which an alert fires.')
@minValue(0)
param http5xxAlertThreshold int = 10

@description('Refused authentications (trust tokens, callback keys, sessions, rate limits) in 15 minutes above which an alert fires.')
@minValue(0)
param authRefusedAlertThreshold int = 50

@description('LOG_LEVEL of the app.')
@allowed(['debug', 'info', 'warn', 'error'])
param logLevel string = 'info'

// Names as Microsoft's azd templates build them: a type abbreviation and a token unique to the subscription,
// environment and region. The environment name appears in no name, so no character of it can make one invalid.
var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var allTags = union(tags, { 'azd-env-name': environmentName })
var functionAppName = '${abbrs.functionApp}${resourceToken}'
var databaseName = 'staff-passport'
// The blob container the app stores share event payloads in (the claim-check pattern: Service Bus messages carry
// only the event's reference), by the name the app uses.
var payloadContainerName = 'share-payloads'
// The Functions host's own containers (leases, timer schedules, host keys), created here so that the app needs a
// role on them alone rather than on the account.
var hostContainerNames = ['azure-webjobs-hosts', 'azure-webjobs-secrets']

// The Service Bus entities are the local emulator's: one file, so the two cannot drift.
var serviceBusEntities = loadJsonContent('../local/servicebus/Config.json').UserConfig.Namespaces[0]

// The containers of src/adapters/cosmos/containers.ts (a test holds the two together).
var cosmosContainers = [
  { id: 'trusts', partitionKey: { paths: ['/id'] } }
  { id: 'requests', partitionKey: { paths: ['/id'] }, defaultTtl: -1 }
  { id: 'shares', partitionKey: { paths: ['/subject'] } }
  { id: 'shareEvents', partitionKey: { paths: ['/trustId'] } }
  { id: 'credentialRequests', partitionKey: { paths: ['/trustId'] } }
  // Trust token ids (jti) seen on mutating calls, each kept as long as its token could be replayed (own ttl).
  { id: 'tokenIds', partitionKey: { paths: ['/id'] }, defaultTtl: -1 }
  // Each trust's SSF stream (id = stream_id = the trust's id). The trust manages it through the app, so the app
  // reads and writes it; `trusts` stays the operator's.
  { id: 'streams', partitionKey: { paths: ['/trustId'] } }
  // The access keys trusts issue and revoke through the app; the app reads and writes them.
  { id: 'accessKeys', partitionKey: { paths: ['/trustId'] } }
  // The audit trail: each entry under the person's scope and the trust's (one partition each), expiring by its own
  // ttl, the retention period. The app only adds entries and reads them.
  { id: 'audit', partitionKey: { paths: ['/scope'] }, defaultTtl: -1 }
]
// Only operators register and change trusts; the app reads them.
var operatorOnlyContainerIds = ['trusts']
// Entries the app adds and reads but can never replace or delete, so that not even the app's own identity can
// rewrite the audit trail (entries leave only by their ttl).
var appendOnlyContainerIds = ['audit']

// Private endpoints of the isolated deployment: each service's sub-resource and the zone that resolves it.
var privateDnsZones = {
  cosmos: 'privatelink.documents.azure.com'
  keyVault: 'privatelink.vaultcore.azure.net'
  blob: 'privatelink.blob.${environment().suffixes.storage}'
  serviceBus: 'privatelink.servicebus.windows.net'
}

// The same roles on each Key Vault key, each scoped to that key alone: the app signs with it, the operator rotates the
// signing key and asks for the verifier certificate of the request key.
var vaultKeyRoles = concat(
  [
    {
      principalId: identity.outputs.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: builtInRoles.keyVaultCryptoUser
    }
  ],
  empty(operatorPrincipalId)
    ? []
    : [
        {
          principalId: operatorPrincipalId
          principalType: operatorPrincipalType
          roleDefinitionId: builtInRoles.keyVaultCryptoOfficer
        }
      ]
)

module identity 'modules/userAssignedIdentity.bicep' = {
  name: 'identity'
  params: {
    name: '${abbrs.managedIdentity}${resourceToken}'
    location: location
    tags: allTags
  }
}

module logAnalytics 'modules/logAnalytics.bicep' = {
  name: 'log-analytics'
  params: {
    name: '${abbrs.logAnalyticsWorkspace}${resourceToken}'
    location: location
    tags: allTags
    retentionInDays: logRetentionInDays
    dailyQuotaGb: logDailyCapGb
  }
}

module appInsights 'modules/applicationInsights.bicep' = {
  name: 'app-insights'
  params: {
    name: '${abbrs.applicationInsights}${resourceToken}'
    location: location
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
    roleAssignments: [
      {
        principalId: identity.outputs.principalId
        principalType: 'ServicePrincipal'
        roleDefinitionId: builtInRoles.monitoringMetricsPublisher
      }
    ]
  }
}

module network 'modules/network.bicep' = if (enableNetworkIsolation) {
  name: 'network'
  params: {
    name: '${abbrs.virtualNetwork}${resourceToken}'
    location: location
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
    dnsZones: privateDnsZones
  }
}

module storage 'modules/storageAccount.bicep' = {
  name: 'storage'
  params: {
    name: '${abbrs.storageAccount}${resourceToken}'
    location: location
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
    publicNetworkAccess: !enableNetworkIsolation
    // Flex Consumption's platform writes the package and the app reads it, with the app's identity; the host
    // keeps its leases and keys in its own containers. A role on each container, none on the account.
    containerNames: concat([deploymentContainerName], hostContainerNames)
    appPrincipalId: identity.outputs.principalId
    payloadContainerName: payloadContainerName
    payloadRetentionDays: shareEventRetentionDays
    // The app writes, reads and deletes payloads: on their container only.
    payloadRoleAssignments: [
      {
        principalId: identity.outputs.principalId
        principalType: 'ServicePrincipal'
        roleDefinitionId: builtInRoles.storageBlobDataContributor
      }
    ]
  }
}

module cosmos 'modules/cosmosDb.bicep' = {
  name: 'cosmos'
  params: {
    name: '${abbrs.cosmosDbAccount}${resourceToken}'
    location: location
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
    capacityMode: cosmosCapacityMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    databaseName: databaseName
    containers: cosmosContainers
    readOnlyContainerIds: operatorOnlyContainerIds
    appendOnlyContainerIds: appendOnlyContainerIds
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: operatorPrincipalId
    publicNetworkAccess: !enableNetworkIsolation
  }
}

module serviceBus 'modules/serviceBus.bicep' = {
  name: 'service-bus'
  params: {
    name: '${abbrs.serviceBusNamespace}${resourceToken}'
    location: location
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
    // Only Premium namespaces take private endpoints.
    skuName: enableNetworkIsolation ? 'Premium' : serviceBusSku
    entities: serviceBusEntities
    appPrincipalId: identity.outputs.principalId
    publicNetworkAccess: !enableNetworkIsolation
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'key-vault'
  params: {
    name: '${abbrs.keyVault}${resourceToken}'
    location: location
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
    createMode: keyVaultCreateMode
    signingKeyName: signingKeyName
    signingKeyRoleAssignments: vaultKeyRoles
    openid4vpKeyName: openid4vpKeyName
    openid4vpKeyRoleAssignments: vaultKeyRoles
    publicNetworkAccess: !enableNetworkIsolation
  }
}

// One private endpoint per data service, in the isolated deployment only.
module cosmosPrivateEndpoint 'modules/privateEndpoint.bicep' = if (enableNetworkIsolation) {
  name: 'cosmos-private-endpoint'
  params: {
    name: '${abbrs.privateEndpoint}cosmos-${resourceToken}'
    location: location
    tags: allTags
    subnetId: network!.outputs.privateEndpointSubnetId
    serviceResourceId: cosmos.outputs.resourceId
    groupId: 'Sql'
    dnsZoneId: network!.outputs.dnsZoneIds.cosmos
  }
}

module keyVaultPrivateEndpoint 'modules/privateEndpoint.bicep' = if (enableNetworkIsolation) {
  name: 'key-vault-private-endpoint'
  params: {
    name: '${abbrs.privateEndpoint}kv-${resourceToken}'
    location: location
    tags: allTags
    subnetId: network!.outputs.privateEndpointSubnetId
    serviceResourceId: keyVault.outputs.resourceId
    groupId: 'vault'
    dnsZoneId: network!.outputs.dnsZoneIds.keyVault
  }
}

// Blob is the only storage service in use: the host's connection names blobServiceUri alone, and payloads and the
// deployment package are blobs.
module blobPrivateEndpoint 'modules/privateEndpoint.bicep' = if (enableNetworkIsolation) {
  name: 'blob-private-endpoint'
  params: {
    name: '${abbrs.privateEndpoint}blob-${resourceToken}'
    location: location
    tags: allTags
    subnetId: network!.outputs.privateEndpointSubnetId
    serviceResourceId: storage.outputs.resourceId
    groupId: 'blob'
    dnsZoneId: network!.outputs.dnsZoneIds.blob
  }
}

module serviceBusPrivateEndpoint 'modules/privateEndpoint.bicep' = if (enableNetworkIsolation) {
  name: 'service-bus-private-endpoint'
  params: {
    name: '${abbrs.privateEndpoint}sb-${resourceToken}'
    location: location
    tags: allTags
    subnetId: network!.outputs.privateEndpointSubnetId
    serviceResourceId: serviceBus.outputs.resourceId
    groupId: 'namespace'
    dnsZoneId: network!.outputs.dnsZoneIds.serviceBus
  }
}

module plan 'modules/appServicePlan.bicep' = {
  name: 'plan'
  params: {
    name: '${abbrs.appServicePlan}${resourceToken}'
    location: location
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
  }
}

// The app's host name is known from its name, so Front Door can be created before the app that only it may call.
module frontDoor 'modules/frontDoor.bicep' = if (enableFrontDoor) {
  name: 'front-door'
  params: {
    name: '${abbrs.frontDoorProfile}${resourceToken}'
    endpointName: '${abbrs.frontDoorEndpoint}${resourceToken}'
    wafPolicyName: '${abbrs.frontDoorWafPolicy}${resourceToken}'
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
    originHostName: '${functionAppName}.azurewebsites.net'
    enableManagedRules: enableWafManagedRules
    loginRateLimitPerMinute: loginRateLimitPerMinute
    apiRateLimitPerMinute: apiRateLimitPerMinute
    callbackRateLimitPerMinute: callbackRateLimitPerMinute
  }
}

var publicBaseUrl = enableFrontDoor ? 'https://${frontDoor!.outputs.hostName}' : 'https://${functionAppName}.azurewebsites.net'

module functionApp 'modules/functionApp.bicep' = {
  name: 'function-app'
  params: {
    name: functionAppName
    location: location
    tags: union(allTags, { 'azd-service-name': 'api' })
    workspaceResourceId: logAnalytics.outputs.resourceId
    serverFarmResourceId: plan.outputs.resourceId
    identityResourceId: identity.outputs.resourceId
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainerName}'
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    corsAllowedOrigins: corsAllowedOrigins
    frontDoorId: enableFrontDoor ? frontDoor!.outputs.frontDoorId : ''
    virtualNetworkSubnetId: enableNetworkIsolation ? network!.outputs.appSubnetId : ''
    appSettings: {
      // The Functions host: storage and telemetry by identity.
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identity.outputs.clientId
      AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
      APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.outputs.connectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
      // Share event payloads: Blob storage by identity (the container is fixed), kept no longer than the lifecycle
      // policy keeps them.
      PAYLOAD_STORAGE_URL: storage.outputs.blobEndpoint
      SHARE_EVENT_RETENTION_DAYS: string(shareEventRetentionDays)
      // Service Bus triggers and the app's own client.
      ServiceBusConnection__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
      ServiceBusConnection__credential: 'managedidentity'
      ServiceBusConnection__clientId: identity.outputs.clientId
      // src/config.ts
      AZURE_CLIENT_ID: identity.outputs.clientId
      COSMOS_ENDPOINT: cosmos.outputs.endpoint
      COSMOS_DATABASE: databaseName
      VERIFIEDID_AUTHORITY: verifiedIdAuthority
      VERIFIEDID_CALLBACK_URL: empty(verifiedIdCallbackUrl)
        ? '${publicBaseUrl}/api/verifiedid/callback'
        : verifiedIdCallbackUrl
      VERIFIEDID_CREDENTIAL: 'managed-identity'
      SESSION_ISSUER: empty(sessionIssuer) ? '${publicBaseUrl}/api' : sessionIssuer
      // The SSF issuer is the public origin, so that receivers find the metadata at /.well-known/ssf-configuration.
      EVENT_ISSUER: publicBaseUrl
      SIGNING_KEYS: 'key-vault'
      KEY_VAULT_URL: keyVault.outputs.vaultUri
      SIGNING_KEY_NAME: signingKeyName
      // OpenID4VP for standard wallets: off (Verified ID only) while the chain is empty.
      OPENID4VP_KEY_NAME: openid4vpKeyName
      OPENID4VP_CERTIFICATE_CHAIN: openid4vpCertificateChain
      OPENID4VP_ISSUER_ROOTS: openid4vpIssuerRoots
      // The client address is Front Door's X-Azure-ClientIP only on requests whose X-Azure-FDID is this profile's.
      FRONT_DOOR_ID: enableFrontDoor ? frontDoor!.outputs.frontDoorId : ''
      LOG_LEVEL: logLevel
      // How long each instance keeps a trust document: a deactivation or a new endpoint or key takes effect
      // within this many seconds.
      TRUST_CACHE_SECONDS: '60'
      // Read by the Functions host for the sweepOutbox timer: often enough to publish a stranded share event
      // soon after Service Bus recovers, rarely enough that an idle app is not kept awake.
      OUTBOX_SWEEP_SCHEDULE: '0 */5 * * * *'
    }
  }
}

// What pages an operator: the platform's dead-letter and 5xx counts, and the app's own delivery, acknowledgement
// and authentication metrics in the workspace.
module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    name: 'alert-${resourceToken}'
    location: location
    tags: allTags
    workspaceName: logAnalytics.outputs.name
    serviceBusNamespaceResourceId: serviceBus.outputs.resourceId
    functionAppResourceId: functionApp.outputs.resourceId
    actionGroupId: alertActionGroupId
    alertEmail: alertEmail
    deliveryFailureThreshold: deliveryFailureAlertThreshold
    http5xxThreshold: http5xxAlertThreshold
    authRefusedThreshold: authRefusedAlertThreshold
  }
}

output AZURE_LOCATION string = location
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
@description('Public base URL of the API (Front Door when enabled).')
output API_BASE_URL string = '${publicBaseUrl}/api'
@description('Read by `npm run keys -- rotate`.')
output KEY_VAULT_URL string = keyVault.outputs.vaultUri
@description('Read by `npm run keys -- rotate`.')
output SIGNING_KEY_NAME string = keyVault.outputs.signingKeyName
@description('Read by `npm run keys -- csr`.')
output OPENID4VP_KEY_NAME string = keyVault.outputs.openid4vpKeyName
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = databaseName
output SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
@description('The app\'s identity, to be granted the Verified ID Request Service permission.')
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
