// Service Bus namespace and every queue, topic, subscription and rule of an emulator Config.json namespace, so the
// entities in Azure are the ones the local emulator serves. The broker is internal: keys are disabled, and the
// application's identity is the only one given a data role, on each entity it uses.
metadata description = 'Service Bus namespace with local authentication disabled and entities taken from an emulator Config.json.'

import { builtInRoles } from 'types.bicep'

@description('Name of the namespace.')
param name string

@description('Azure region.')
param location string

@description('Tags for the namespace.')
param tags object = {}

@description('Resource id of the Log Analytics workspace for diagnostics.')
param workspaceResourceId string

@description('Standard (pay per operation) or Premium (dedicated messaging units, needed for a private endpoint).')
@allowed(['Standard', 'Premium'])
param skuName string = 'Standard'

@description('One namespace of a Service Bus emulator Config.json (UserConfig.Namespaces[0]): Queues and Topics with their Subscriptions and Rules.')
param entities object

@description('The application identity, the only one with a role here: it sends to every queue and topic and receives from every queue and every subscription.')
param appPrincipalId string

@description('Accept traffic from public networks. Off (Premium only): only through a private endpoint.')
param publicNetworkAccess bool = true

// Config.json property names are the ARM ones with a capital first letter.
func armName(configName string) string => '${toLower(take(configName, 1))}${skip(configName, 1)}'

// "" means "not set" in Microsoft's emulator files (for ForwardTo and ForwardDeadLetteredMessagesTo).
func armProperties(configProperties object, defaults object) object =>
  union(defaults, toObject(filter(items(configProperties), p => p.value != ''), p => armName(p.key), p => p.value))

// Microsoft's emulator defaults (which the local emulator shares), used where Config.json leaves a property out,
// so that an omitted property means the same thing locally and in Azure.
var queueDefaults = {
  maxDeliveryCount: 3
  lockDuration: 'PT1M'
  defaultMessageTimeToLive: 'PT1H'
  duplicateDetectionHistoryTimeWindow: 'PT20S'
}
var topicDefaults = {
  defaultMessageTimeToLive: 'PT1H'
  duplicateDetectionHistoryTimeWindow: 'PT20S'
}
var subscriptionDefaults = {
  maxDeliveryCount: 3
  lockDuration: 'PT1M'
  defaultMessageTimeToLive: 'PT1H'
}

var queues = entities.?Queues ?? []
var topics = entities.?Topics ?? []
var subscriptions = flatten(map(
  topics,
  topic => map(topic.?Subscriptions ?? [], subscription => union(subscription, { Topic: topic.Name }))
))
var rules = flatten(map(
  subscriptions,
  subscription =>
    map(subscription.?Rules ?? [], rule => union(rule, { Topic: subscription.Topic, Subscription: subscription.Name }))
))

func ruleProperties(config object) object =>
  union(
    { filterType: config.FilterType == 'Sql' ? 'SqlFilter' : 'CorrelationFilter' },
    config.FilterType == 'Sql'
      ? { sqlFilter: { sqlExpression: config.SqlFilter.SqlExpression } }
      : {
          correlationFilter: toObject(
            items(config.CorrelationFilter),
            p => armName(p.key),
            p => p.value
          )
        },
    contains(config, 'Action') ? { action: { sqlExpression: config.Action.SqlExpression } } : {}
  )

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: skuName, tier: skuName, capacity: skuName == 'Premium' ? 1 : null }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
  }
}

// Forwarding targets must exist first: queues are created before topics, and subscriptions after both.
resource queueResources 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = [
  for queue in queues: {
    parent: namespace
    name: queue.Name
    properties: armProperties(queue.?Properties ?? {}, queueDefaults)
  }
]

resource topicResources 'Microsoft.ServiceBus/namespaces/topics@2026-01-01' = [
  for topic in topics: {
    parent: namespace
    name: topic.Name
    properties: armProperties(topic.?Properties ?? {}, topicDefaults)
    dependsOn: [queueResources]
  }
]

resource subscriptionResources 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2026-01-01' = [
  for subscription in subscriptions: {
    name: '${namespace.name}/${subscription.Topic}/${subscription.Name}'
    properties: armProperties(subscription.?Properties ?? {}, subscriptionDefaults)
    dependsOn: [topicResources]
  }
]

resource ruleResources 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2026-01-01' = [
  for rule in rules: {
    name: '${namespace.name}/${rule.Topic}/${rule.Subscription}/${rule.Name}'
    properties: ruleProperties(rule.Properties)
    dependsOn: [subscriptionResources]
  }
]

resource queueSenders 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (queue, i) in queues: {
    name: guid(queueResources[i].id, appPrincipalId, builtInRoles.serviceBusDataSender)
    scope: queueResources[i]
    properties: {
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.serviceBusDataSender)
    }
  }
]

resource queueReceivers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (queue, i) in queues: {
    name: guid(queueResources[i].id, appPrincipalId, builtInRoles.serviceBusDataReceiver)
    scope: queueResources[i]
    properties: {
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.serviceBusDataReceiver)
    }
  }
]

resource topicSenders 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (topic, i) in topics: {
    name: guid(topicResources[i].id, appPrincipalId, builtInRoles.serviceBusDataSender)
    scope: topicResources[i]
    properties: {
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.serviceBusDataSender)
    }
  }
]

resource subscriptionReceivers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (subscription, i) in subscriptions: {
    name: guid(subscriptionResources[i].id, appPrincipalId, builtInRoles.serviceBusDataReceiver)
    scope: subscriptionResources[i]
    properties: {
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.serviceBusDataReceiver)
    }
  }
]

// The newest version of diagnostic settings with category groups; the linter's choice, 2016-09-01, has none.
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: namespace
  properties: {
    workspaceId: workspaceResourceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output resourceId string = namespace.id
output name string = namespace.name
@description('Host name for ServiceBusConnection__fullyQualifiedNamespace.')
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
