// Key Vault for the service's two keys, with Azure RBAC (no access policies), soft delete and purge protection: the
// signing key (session tokens and share events; operators add versions with `npm run keys -- rotate`) and the
// OpenID4VP request key (request objects; its public key is the verifier certificate's, which operators request with
// `npm run keys -- csr`). Both are EC P-256 keys that cannot be exported: the app signs with them in the vault.
metadata description = 'Key Vault with RBAC authorisation and two non-exportable signing keys; roles are granted on each key alone.'

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

@description('Name of the OpenID4VP request key, whose public key the verifier certificate certifies.')
@minLength(1)
@maxLength(127)
param openid4vpKeyName string

@description('Roles granted on the OpenID4VP request key alone: Key Vault Crypto User for the app, Crypto Officer for the operator who requests its certificate.')
param openid4vpKeyRoleAssignments roleAssignmentType[] = []

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

// The same kind of key, kept apart from the signing key: rotating the signing key must not change the verifier
// certificate's key (a new version here needs a new certificate, and so a new x509_hash client id).
resource openid4vpKey 'Microsoft.KeyVault/vaults/keys@2026-02-01' = {
  parent: vault
  name: openid4vpKeyName
  tags: tags
  properties: {
    kty: 'EC'
    curveName: 'P-256'
    keyOps: ['sign', 'verify']
    attributes: { enabled: true, exportable: false }
  }
}

resource openid4vpKeyRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for assignment in openid4vpKeyRoleAssignments: {
    name: guid(openid4vpKey.id, assignment.principalId, assignment.roleDefinitionId)
    scope: openid4vpKey
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
output openid4vpKeyName string = openid4vpKey.name
