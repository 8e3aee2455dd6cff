// Cosmos DB for NoSQL: one database and its containers. Keys are disabled (disableLocalAuth), so the app reads
// and writes with its identity and a data-plane SQL role assignment.
metadata description = 'Cosmos DB for NoSQL account with local authentication disabled, a database and its containers.'

@description('Name of the account.')
param name string

@description('Azure region.')
param location string

@description('Tags for the account.')
param tags object = {}

@description('Resource id of the Log Analytics workspace for diagnostics.')
param workspaceResourceId string

@description('Serverless (pay per request unit, best for low or bursty traffic) or Autoscale (provisioned, shared by the database).')
@allowed(['Serverless', 'Autoscale'])
param capacityMode string = 'Serverless'

@description('Highest RU/s the database scales to with Autoscale (ignored when serverless).')
@minValue(1000)
param autoscaleMaxThroughput int = 1000

@description('Name of the database.')
param databaseName string

@description('The containers, in the shape of @azure/cosmos ContainerDefinition: id, partitionKey.paths, optional defaultTtl and indexingPolicy.')
param containers object[]

@description('Principal ids that get the Cosmos DB Built-in Data Contributor role on the account.')
param dataContributorPrincipalIds string[] = []

import { cosmosDataContributorRoleId } from 'types.bicep'

// Consistent indexing of every path, which is what Cosmos DB does when a container names no policy.
var defaultIndexingPolicy = {
  indexingMode: 'consistent'
  automatic: true
  includedPaths: [{ path: '/*' }]
  excludedPaths: [{ path: '/"_etag"/?' }]
}

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [{ locationName: location, failoverPriority: 0, isZoneRedundant: false }]
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    capabilities: capacityMode == 'Serverless' ? [{ name: 'EnableServerless' }] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: { tier: 'Continuous7Days' }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: { id: databaseName }
    options: capacityMode == 'Autoscale' ? { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } } : {}
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for container in containers: {
    parent: database
    name: container.id
    properties: {
      resource: union(
        {
          id: container.id
          partitionKey: { paths: container.partitionKey.paths, kind: 'Hash', version: 2 }
          indexingPolicy: container.?indexingPolicy ?? defaultIndexingPolicy
        },
        contains(container, 'defaultTtl') ? { defaultTtl: container.defaultTtl } : {}
      )
    }
  }
]

resource dataContributors 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = [
  for principalId in dataContributorPrincipalIds: {
    parent: account
    name: guid(account.id, principalId, cosmosDataContributorRoleId)
    properties: {
      principalId: principalId
      roleDefinitionId: '${account.id}/sqlRoleDefinitions/${cosmosDataContributorRoleId}'
      scope: account.id
    }
  }
]

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: account
  properties: {
    workspaceId: workspaceResourceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'Requests', enabled: true }]
  }
}

output resourceId string = account.id
output name string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
