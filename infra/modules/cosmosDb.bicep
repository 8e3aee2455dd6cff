// Cosmos DB for NoSQL: one database and its containers. Keys are disabled (disableLocalAuth), so the app reads
// and writes with its identity, through custom data-plane roles each scoped to the containers it may touch.
metadata description = 'Cosmos DB for NoSQL account with local authentication disabled, a database, its containers and container-scoped data roles.'

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

@description('The containers the application may only read (the operator writes them).')
param readOnlyContainerIds string[]

@description('The containers the application may add items to and read, but never replace or delete items in (the audit trail).')
param appendOnlyContainerIds string[]

@description('The application identity: it reads the read-only containers, adds to and reads the append-only ones, and reads and writes every other one.')
param appPrincipalId string

@description('Object id of the operator, the only writer of the read-only containers. Empty: none.')
param operatorPrincipalId string = ''

@description('Accept traffic from public networks. Off: only through a private endpoint.')
param publicNetworkAccess bool = true

// What a data role may do to items: reading (point reads, queries, the change feed) and, for writers, the rest.
var readActions = [
  'Microsoft.DocumentDB/databaseAccounts/readMetadata'
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read'
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery'
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/readChangeFeed'
]
var writeActions = concat(readActions, ['Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/*'])
// Creating items and nothing else that changes one: no replace, upsert (which replaces an existing item) or delete,
// and no wildcard that would include them now or later.
var appendActions = concat(readActions, ['Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/create'])

var readWriteContainerIds = filter(
  map(containers, container => container.id),
  id => !contains(concat(readOnlyContainerIds, appendOnlyContainerIds), id)
)

// Consistent indexing of every path, which is what Cosmos DB does when a container names no policy.
var defaultIndexingPolicy = {
  indexingMode: 'consistent'
  automatic: true
  includedPaths: [{ path: '/*' }]
  excludedPaths: [{ path: '/"_etag"/?' }]
}

resource account 'Microsoft.DocumentDB/databaseAccounts@2025-10-15' = {
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
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
    networkAclBypass: 'None'
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: { tier: 'Continuous7Days' }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2025-10-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: { id: databaseName }
    options: capacityMode == 'Autoscale' ? { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } } : {}
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2025-10-15' = [
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

// A data role's scope is a container, written as Cosmos DB writes it (account id, /dbs/, /colls/).
func containerScope(accountId string, databaseName string, containerId string) string =>
  '${accountId}/dbs/${databaseName}/colls/${containerId}'

resource readerRole 'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions@2025-10-15' = {
  parent: account
  name: guid(account.id, 'read-only containers reader')
  properties: {
    roleName: 'Staff Passport read-only containers reader'
    type: 'CustomRole'
    assignableScopes: map(readOnlyContainerIds, id => containerScope(account.id, databaseName, id))
    permissions: [{ dataActions: readActions }]
  }
  dependsOn: [sqlContainers]
}

resource writerRole 'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions@2025-10-15' = {
  parent: account
  name: guid(account.id, 'application containers writer')
  properties: {
    roleName: 'Staff Passport application containers writer'
    type: 'CustomRole'
    assignableScopes: map(readWriteContainerIds, id => containerScope(account.id, databaseName, id))
    permissions: [{ dataActions: writeActions }]
  }
  dependsOn: [sqlContainers]
}

// Assignable on the append-only containers alone, so that it can never be granted where the app needs more, nor the
// writer's items/* granted on the audit trail.
resource appenderRole 'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions@2025-10-15' = {
  parent: account
  name: guid(account.id, 'append-only containers appender')
  properties: {
    roleName: 'Staff Passport append-only containers appender'
    type: 'CustomRole'
    assignableScopes: map(appendOnlyContainerIds, id => containerScope(account.id, databaseName, id))
    permissions: [{ dataActions: appendActions }]
  }
  dependsOn: [sqlContainers]
}

resource registrarRole 'Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions@2025-10-15' = {
  parent: account
  name: guid(account.id, 'read-only containers writer')
  properties: {
    roleName: 'Staff Passport read-only containers writer'
    type: 'CustomRole'
    assignableScopes: map(readOnlyContainerIds, id => containerScope(account.id, databaseName, id))
    permissions: [{ dataActions: writeActions }]
  }
  dependsOn: [sqlContainers]
}

resource appReaders 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-10-15' = [
  for id in readOnlyContainerIds: {
    parent: account
    name: guid(containerScope(account.id, databaseName, id), appPrincipalId, readerRole.id)
    properties: {
      principalId: appPrincipalId
      roleDefinitionId: readerRole.id
      scope: containerScope(account.id, databaseName, id)
    }
  }
]

resource appWriters 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-10-15' = [
  for id in readWriteContainerIds: {
    parent: account
    name: guid(containerScope(account.id, databaseName, id), appPrincipalId, writerRole.id)
    properties: {
      principalId: appPrincipalId
      roleDefinitionId: writerRole.id
      scope: containerScope(account.id, databaseName, id)
    }
  }
]

resource appAppenders 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-10-15' = [
  for id in appendOnlyContainerIds: {
    parent: account
    name: guid(containerScope(account.id, databaseName, id), appPrincipalId, appenderRole.id)
    properties: {
      principalId: appPrincipalId
      roleDefinitionId: appenderRole.id
      scope: containerScope(account.id, databaseName, id)
    }
  }
]

resource operatorWriters 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2025-10-15' = [
  for id in (empty(operatorPrincipalId) ? [] : readOnlyContainerIds): {
    parent: account
    name: guid(containerScope(account.id, databaseName, id), operatorPrincipalId, registrarRole.id)
    properties: {
      principalId: operatorPrincipalId
      roleDefinitionId: registrarRole.id
      scope: containerScope(account.id, databaseName, id)
    }
  }
]

// The newest version of diagnostic settings with category groups; the linter's choice, 2016-09-01, has none.
#disable-next-line use-recent-api-versions
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
