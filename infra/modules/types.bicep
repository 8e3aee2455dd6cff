// Shared types and the built-in role definitions the modules assign, so that every module grants roles the same way.

@export()
@description('A role granted on the module\'s resource (never on the resource group or subscription).')
type roleAssignmentType = {
  @description('Object id of the identity that receives the role.')
  principalId: string

  @description('Built-in role definition id (a GUID), one of builtInRoles.')
  roleDefinitionId: string

  @description('What kind of identity the principal is.')
  principalType: 'ServicePrincipal' | 'User' | 'Group'
}

@export()
@description('Built-in Azure RBAC role definitions used by this template.')
var builtInRoles = {
  keyVaultCryptoOfficer: '14b46e9e-c2b7-41b4-b07b-48a6ebf60603'
  keyVaultCryptoUser: '12338af0-0e69-4776-bea7-57ae8d297424'
  logAnalyticsReader: '73c42c96-874c-492b-b04d-ab87d138a893'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
}

