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
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
}

@export()
@description('Cosmos DB data-plane role: Cosmos DB Built-in Data Contributor (a SQL role definition, not an Azure RBAC role).')
var cosmosDataContributorRoleId = '00000000-0000-0000-0000-000000000002'
