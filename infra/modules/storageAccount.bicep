// Storage for the Functions host (AzureWebJobsStorage), the deployment package and share event payloads. Shared key
// access is off, so every caller, the host included, authenticates with Entra ID and a blob data role.
metadata description = 'Storage account with shared key access disabled, private blob containers, and a payload container whose blobs a lifecycle rule deletes after a retention period.'

import { builtInRoles, roleAssignmentType } from 'types.bicep'

@description('Name of the storage account (3 to 24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the account.')
param tags object = {}

@description('Resource id of the Log Analytics workspace for diagnostics.')
param workspaceResourceId string

@description('Private blob containers the application uses besides payloads: the Flex Consumption deployment package\'s, and the Functions host\'s own (leases, timers, keys).')
param containerNames string[] = []

@description('The application identity: Storage Blob Data Contributor on each of containerNames, and nothing on the account.')
param appPrincipalId string

@description('Accept traffic from public networks. Off: only through a private endpoint.')
param publicNetworkAccess bool = true

@description('Private blob container for share event payloads (claim values), which the lifecycle policy empties of anything older than payloadRetentionDays.')
@minLength(3)
@maxLength(63)
param payloadContainerName string

@description('Days after it was written that the lifecycle policy deletes a payload blob the app has not deleted itself.')
@minValue(1)
param payloadRetentionDays int = 30

@description('Identities that may write, read and delete payloads (Storage Blob Data Contributor on the payload container only).')
param payloadRoleAssignments roleAssignmentType[] = []

resource account 'Microsoft.Storage/storageAccounts@2025-08-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
    // The platform's deployment of the package reaches the account as a trusted Azure service.
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: publicNetworkAccess ? 'Allow' : 'Deny'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-08-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-08-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: { publicAccess: 'None' }
  }
]

resource payloadContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-08-01' = {
  parent: blobService
  name: payloadContainerName
  properties: { publicAccess: 'None' }
}

// A backstop, not the way payloads normally go: the app deletes each one once the trust has its event. The policy
// runs about once a day, so a blob can outlive the retention period by up to a day or so.
resource lifecyclePolicy 'Microsoft.Storage/storageAccounts/managementPolicies@2025-08-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-expired-payloads'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              // A prefix starts with the container's name; the slash keeps other containers that begin alike out.
              prefixMatch: ['${payloadContainerName}/']
            }
            actions: {
              // Creation, not modification: a payload is retained from when it was first written.
              baseBlob: { delete: { daysAfterCreationGreaterThan: payloadRetentionDays } }
            }
          }
        }
      ]
    }
  }
}

// Storage accounts take metrics only; their logs are per service (blob here, the only one used).
// The newest version of diagnostic settings with category groups; the linter's choice, 2016-09-01, has none.
#disable-next-line use-recent-api-versions
resource accountDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: account
  properties: {
    workspaceId: workspaceResourceId
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

// The newest version of diagnostic settings with category groups; the linter's choice, 2016-09-01, has none.
#disable-next-line use-recent-api-versions
resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: blobService
  properties: {
    workspaceId: workspaceResourceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'Transaction', enabled: true }]
  }
}

// Container by container, not the account: the app can then neither read nor replace what it does not use.
resource containerRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (containerName, i) in containerNames: {
    name: guid(containers[i].id, appPrincipalId, builtInRoles.storageBlobDataContributor)
    scope: containers[i]
    properties: {
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageBlobDataContributor)
    }
  }
]

resource payloadRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for assignment in payloadRoleAssignments: {
    name: guid(payloadContainer.id, assignment.principalId, builtInRoles.storageBlobDataContributor)
    scope: payloadContainer
    properties: {
      principalId: assignment.principalId
      principalType: assignment.principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageBlobDataContributor)
    }
  }
]

output resourceId string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
