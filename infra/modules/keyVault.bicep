// Key Vault for the signing key, with Azure RBAC (no access policies), soft delete and purge protection. The key is
// an EC P-256 key that cannot be exported: the app signs with it in the vault, and operators add versions with
// `npm run keys -- rotate`.
metadata description = 'Key Vault with RBAC authorisation and one non-exportable signing key; roles are granted on that key alone.'

import { roleAssignmentType } from 'types.bicep'

@description('Name of the vault (3 to 24 letters, digits and single hyphens, starting with a letter).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the vault.')
param tags object = {}

@description('Resource id of the Log Analytics workspace for diagnostics.')
param workspaceResourceId string

@description('default: create the vault. recover: bring back a soft-deleted vault of the same name (after `azd down`, purge protection keeps it for 90 days).')
@allowed(['default', 'recover'])
param createMode string = 'default'

@description('Name of the signing key.')
@minLength(1)
@maxLength(127)
param signingKeyName string

@description('Roles granted on the signing key alone: Key Vault Crypto User for the app, Crypto Officer for the operator who rotates it.')
param signingKeyRoleAssignments roleAssignmentType[] = []

@description('Accept traffic from public networks. Off: only through a private endpoint.')
param publicNetworkAccess bool = true

resource vault 'Microsoft.KeyVault/vaults@2026-02-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    createMode: createMode
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
    networkAcls: {
      bypass: 'None'
      defaultAction: publicNetworkAccess ? 'Allow' : 'Deny'
    }
  }
}

// Creating a key that exists already changes nothing (no new version): re-provisioning keeps the key, and
// rotation stays with the operator.
resource signingKey 'Microsoft.KeyVault/vaults/keys@2026-02-01' = {
  parent: vault
  name: signingKeyName
  tags: tags
  properties: {
    kty: 'EC'
    curveName: 'P-256'
    keyOps: ['sign', 'verify']
    attributes: { enabled: true, exportable: false }
  }
}

resource signingKeyRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for assignment in signingKeyRoleAssignments: {
    name: guid(signingKey.id, assignment.principalId, assignment.roleDefinitionId)
    scope: signingKey
    properties: {
      principalId: assignment.principalId
      principalType: assignment.principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', assignment.roleDefinitionId)
    }
  }
]

// The newest version of diagnostic settings with category groups; the linter's choice, 2016-09-01, has none.
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspaceResourceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output resourceId string = vault.id
output name string = vault.name
output vaultUri string = vault.properties.vaultUri
output signingKeyName string = signingKey.name
