// Staff Passport sharing service: every Azure resource it runs on, in one resource group. The Function App reaches
// Cosmos DB, Service Bus, Key Vault, Storage and Application Insights with its user-assigned identity; no key,
// connection string with a key, or secret appears in a setting or an output.
targetScope = 'resourceGroup'

import { builtInRoles } from 'modules/types.bicep'

@description('Short environment name (dev, test, prod), used in resource names and the azd-env-name tag.')
@minLength(1)
@maxLength(12)
param environmentName string

@description('Azure region for every resource (one where Flex Consumption is available).')
param location string = resourceGroup().location

@description('Tags applied to every resource, in addition to azd-env-name.')
param tags object = {}

@description('The verifier\'s DID (Verified ID authority) that presentation requests are made as.')
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

@description('Service Bus tier: Standard (pay per operation) or Premium (dedicated, private networking).')
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
param deploymentContainerName string = 'app-package'

@description('Name of the Key Vault secret holding the signing key (SIGNING_KEY_SECRET_NAME).')
param signingKeySecretName string = 'session-signing-key'

@description('Set to true once `npm run keys -- rotate` has created the signing key secret; the app\'s read access is scoped to that secret, which must exist.')
param signingKeySecretExists bool = false

@description('Object id of the operator who rotates keys and registers trusts (Key Vault Secrets Officer on the vault, Cosmos DB data contributor). Empty: none.')
param operatorPrincipalId string = ''

@description('Kind of identity operatorPrincipalId is.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param operatorPrincipalType string = 'User'

@description('Days a share event\'s payload (the claim values shared) may stay in Blob storage: the app deletes it once the trust has the event, and the lifecycle policy deletes whatever is left after this many days (SHARE_EVENT_RETENTION_DAYS).')
@minValue(1)
param shareEventRetentionDays int = 30

@description('Put Azure Front Door with a rate-limiting WAF in front of the app, and accept traffic only from it.')
param enableFrontDoor bool = false

@description('With Front Door: POST /api/logins requests per minute per client IP address.')
param loginRateLimitPerMinute int = 20

@description('With Front Door: other /api requests per minute per client IP address.')
param apiRateLimitPerMinute int = 600

@description('Days Log Analytics keeps logs.')
@minValue(30)
param logRetentionInDays int = 30

@description('LOG_LEVEL of the app.')
@allowed(['debug', 'info', 'warn', 'error'])
param logLevel string = 'info'

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var allTags = union(tags, { 'azd-env-name': environmentName })
var functionAppName = 'func-${environmentName}-${resourceToken}'
var databaseName = 'staff-passport'
// The blob container the app stores share event payloads in (the claim-check pattern: Service Bus messages carry
// only the event's reference), by the name the app uses.
var payloadContainerName = 'share-payloads'

// The Service Bus entities are the local emulator's: one file, so the two cannot drift.
var serviceBusEntities = loadJsonContent('../local/servicebus/Config.json').UserConfig.Namespaces[0]

// The containers of src/adapters/cosmos/containers.ts (a test holds the two together).
var cosmosContainers = [
  { id: 'trusts', partitionKey: { paths: ['/id'] } }
  { id: 'requests', partitionKey: { paths: ['/id'] }, defaultTtl: -1 }
  { id: 'shares', partitionKey: { paths: ['/subject'] } }
  { id: 'shareEvents', partitionKey: { paths: ['/trustId'] } }
  { id: 'credentialRequests', partitionKey: { paths: ['/trustId'] } }
]

var operatorRoles = empty(operatorPrincipalId)
  ? []
  : [
      {
        principalId: operatorPrincipalId
        principalType: operatorPrincipalType
        roleDefinitionId: builtInRoles.keyVaultSecretsOfficer
      }
    ]

module identity 'modules/userAssignedIdentity.bicep' = {
  name: 'identity'
  params: {
    name: 'id-${environmentName}-${resourceToken}'
    location: location
    tags: allTags
  }
}

module logAnalytics 'modules/logAnalytics.bicep' = {
  name: 'log-analytics'
  params: {
    name: 'log-${environmentName}-${resourceToken}'
    location: location
    tags: allTags
    retentionInDays: logRetentionInDays
  }
}

module appInsights 'modules/applicationInsights.bicep' = {
  name: 'app-insights'
  params: {
    name: 'appi-${environmentName}-${resourceToken}'
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

module storage 'modules/storageAccount.bicep' = {
  name: 'storage'
  params: {
    name: take('st${toLower(replace(environmentName, '-', ''))}${resourceToken}', 24)
    location: location
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
    containerNames: [deploymentContainerName]
    // The Functions host keeps its leases and keys in blobs and creates their containers.
    roleAssignments: [
      {
        principalId: identity.outputs.principalId
        principalType: 'ServicePrincipal'
        roleDefinitionId: builtInRoles.storageBlobDataOwner
      }
    ]
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
    name: 'cosmos-${environmentName}-${resourceToken}'
    location: location
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
    capacityMode: cosmosCapacityMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    databaseName: databaseName
    containers: cosmosContainers
    dataContributorPrincipalIds: concat(
      [identity.outputs.principalId],
      empty(operatorPrincipalId) ? [] : [operatorPrincipalId]
    )
  }
}

module serviceBus 'modules/serviceBus.bicep' = {
  name: 'service-bus'
  params: {
    name: 'sb-${environmentName}-${resourceToken}'
    location: location
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
    skuName: serviceBusSku
    entities: serviceBusEntities
    appPrincipalId: identity.outputs.principalId
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'key-vault'
  params: {
    name: 'kv-${take(environmentName, 6)}-${resourceToken}'
    location: location
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
    signingKeySecretName: signingKeySecretName
    signingKeySecretExists: signingKeySecretExists
    signingKeyReaders: [
      {
        principalId: identity.outputs.principalId
        principalType: 'ServicePrincipal'
        roleDefinitionId: builtInRoles.keyVaultSecretsUser
      }
    ]
    roleAssignments: operatorRoles
  }
}

module plan 'modules/appServicePlan.bicep' = {
  name: 'plan'
  params: {
    name: 'plan-${environmentName}-${resourceToken}'
    location: location
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
  }
}

// The app's host name is known from its name, so Front Door can be created before the app that only it may call.
module frontDoor 'modules/frontDoor.bicep' = if (enableFrontDoor) {
  name: 'front-door'
  params: {
    name: 'afd-${environmentName}-${resourceToken}'
    tags: allTags
    workspaceResourceId: logAnalytics.outputs.resourceId
    originHostName: '${functionAppName}.azurewebsites.net'
    loginRateLimitPerMinute: loginRateLimitPerMinute
    apiRateLimitPerMinute: apiRateLimitPerMinute
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
      SIGNING_KEYS: 'key-vault'
      KEY_VAULT_URL: keyVault.outputs.vaultUri
      SIGNING_KEY_SECRET_NAME: signingKeySecretName
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

output AZURE_LOCATION string = location
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
@description('Public base URL of the API (Front Door when enabled).')
output API_BASE_URL string = '${publicBaseUrl}/api'
@description('Read by `npm run keys -- rotate`.')
output KEY_VAULT_URL string = keyVault.outputs.vaultUri
@description('Read by `npm run keys -- rotate`.')
output SIGNING_KEY_SECRET_NAME string = signingKeySecretName
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = databaseName
output SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
@description('The app\'s identity, to be granted the Verified ID Request Service permission.')
output MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
