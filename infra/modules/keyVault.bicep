// Key Vault for the signing key, with Azure RBAC (no access policies), soft delete and purge protection. The key
// itself is never in the template: operators create every version with `npm run keys -- rotate`.
metadata description = 'Key Vault with RBAC authorisation; the application may only read one secret.'

import { builtInRoles, roleAssignmentType } from 'types.bicep'

@description('Name of the vault (3 to 24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the vault.')
param tags object = {}

@description('Resource id of the Log Analytics workspace for diagnostics.')
param workspaceResourceId string

@description('Roles granted on the vault (Key Vault Secrets Officer for the operator who rotates the key).')
param roleAssignments roleAssignmentType[] = []

@description('Name of the secret that holds the signing key.')
param signingKeySecretName string

@description('True once the secret exists (after the first `npm run keys -- rotate`): only then can a role be scoped to it.')
param signingKeySecretExists bool = false

@description('Identities that may read the signing key secret (Key Vault Secrets User on that secret only).')
param signingKeyReaders roleAssignmentType[] = []

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource signingKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = if (signingKeySecretExists) {
  parent: vault
  name: signingKeySecretName
}

resource signingKeyRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for reader in (signingKeySecretExists ? signingKeyReaders : []): {
    name: guid(signingKeySecret.id, reader.principalId, builtInRoles.keyVaultSecretsUser)
    scope: signingKeySecret
    properties: {
      principalId: reader.principalId
      principalType: reader.principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.keyVaultSecretsUser)
    }
  }
]

resource roles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for assignment in roleAssignments: {
    name: guid(vault.id, assignment.principalId, assignment.roleDefinitionId)
    scope: vault
    properties: {
      principalId: assignment.principalId
      principalType: assignment.principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', assignment.roleDefinitionId)
    }
  }
]

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
