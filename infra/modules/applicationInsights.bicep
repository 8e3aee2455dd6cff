// Workspace-based Application Insights that accepts telemetry only from Entra ID identities (local auth off), so
// its connection string is an address, not a credential.
metadata description = 'Application Insights component with local authentication disabled.'

import { roleAssignmentType } from 'types.bicep'

@description('Name of the component.')
param name string

@description('Azure region.')
param location string

@description('Tags for the component.')
param tags object = {}

@description('Resource id of the Log Analytics workspace that stores the telemetry and the diagnostics.')
param workspaceResourceId string

@description('Roles granted on the component (Monitoring Metrics Publisher for identities that send telemetry).')
param roleAssignments roleAssignmentType[] = []

resource component 'Microsoft.Insights/components@2020-02-02' = {
  name: name
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspaceResourceId
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true
  }
}

// Telemetry already lands in the workspace; only the component's metrics are added, not its logs a second time.
// The newest version of diagnostic settings with category groups; the linter's choice, 2016-09-01, has none.
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: component
  properties: {
    workspaceId: workspaceResourceId
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

resource roles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for assignment in roleAssignments: {
    name: guid(component.id, assignment.principalId, assignment.roleDefinitionId)
    scope: component
    properties: {
      principalId: assignment.principalId
      principalType: assignment.principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', assignment.roleDefinitionId)
    }
  }
]

output resourceId string = component.id
output name string = component.name
@description('Where telemetry is sent. Not a secret: with local auth disabled, ingestion also needs an Entra ID token.')
output connectionString string = component.properties.ConnectionString
