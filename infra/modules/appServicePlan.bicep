// The Flex Consumption plan (FC1, Linux): instances exist only while there is work, billed per use.
metadata description = 'Flex Consumption App Service plan.'

@description('Name of the plan.')
param name string

@description('Azure region.')
param location string

@description('Tags for the plan.')
param tags object = {}

@description('Resource id of the Log Analytics workspace for diagnostics.')
param workspaceResourceId string

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

// Plans have metrics only.
// The newest version of diagnostic settings with category groups; the linter's choice, 2016-09-01, has none.
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: plan
  properties: {
    workspaceId: workspaceResourceId
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output resourceId string = plan.id
output name string = plan.name
