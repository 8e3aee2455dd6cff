// The one Log Analytics workspace every resource sends its diagnostics to. Queries need Entra ID (no shared keys).
metadata description = 'Log Analytics workspace with local authentication disabled.'

@description('Name of the workspace.')
param name string

@description('Azure region.')
param location string

@description('Tags for the workspace.')
param tags object = {}

@description('Days logs are kept.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Most GB the workspace ingests a day; past it, ingestion stops until the next day (-1: no cap).')
@minValue(-1)
param dailyQuotaGb int = -1

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
    workspaceCapping: { dailyQuotaGb: dailyQuotaGb }
    features: {
      disableLocalAuth: true
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

// The workspace's own audit trail (who queried what) goes to itself.
// The newest version of diagnostic settings with category groups; the linter's choice, 2016-09-01, has none.
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: workspace
  properties: {
    workspaceId: workspace.id
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output resourceId string = workspace.id
output name string = workspace.name
