// The alert rules operators are paged by: dead letters, failed deliveries to trusts, share events a trust has not
// acknowledged within the hour, server errors and refused authentications, each sent to the given action groups.
metadata description = 'Azure Monitor metric and log search alert rules for the sharing service, with an optional e-mail action group.'

import { builtInRoles } from 'types.bicep'

@description('Prefix of every alert rule\'s name (and the e-mail action group\'s).')
@minLength(1)
@maxLength(60)
param name string

@description('Azure region of the log search alert rules (metric alerts and action groups are global).')
param location string

@description('Tags for every alert rule and the action group.')
param tags object = {}

@description('Name of the Log Analytics workspace the app\'s telemetry lands in (its AppMetrics table); the log search rules query it.')
param workspaceName string

@description('Resource id of the Service Bus namespace, whose dead-letter count is watched.')
param serviceBusNamespaceResourceId string

@description('Resource id of the Function App, whose HTTP 5xx count is watched.')
param functionAppResourceId string

@description('Resource id of an existing action group every alert is sent to. Empty: none (the alerts still fire and show in the portal).')
param actionGroupId string = ''

@description('An address to e-mail every alert to, through an action group this module creates. Empty: no such group.')
param alertEmail string = ''

@description('Failed or dead-lettered deliveries to trusts in 15 minutes above which the delivery alert fires.')
@minValue(0)
param deliveryFailureThreshold int = 5

@description('HTTP 5xx responses in 15 minutes above which the server error alert fires.')
@minValue(0)
param http5xxThreshold int = 10

@description('Refused authentications (trust tokens, callback keys, sessions, rate limits) in 15 minutes above which the alert fires.')
@minValue(0)
param authRefusedThreshold int = 50

// An e-mail group only when asked for: most NHS operators route alerts through an action group they already run
// (ITSM, Teams, paging), which actionGroupId names.
resource emailGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: '${name}-email'
  location: 'global'
  tags: tags
  properties: {
    enabled: true
    groupShortName: 'staffpass'
    emailReceivers: [
      {
        name: 'operators'
        emailAddress: alertEmail
        // One payload shape for every alert type, so that mail rules and runbooks read them alike.
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroupIds = concat(
  empty(actionGroupId) ? [] : [actionGroupId],
  empty(alertEmail) ? [] : [emailGroup.id]
)

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-07-01' existing = {
  name: workspaceName
}

// Platform metrics need no code and keep working when the app's own telemetry does not arrive, so the two signals
// that matter most when the app is down (messages given up on, server errors) are read from them.
var metricRules = [
  {
    suffix: 'dead-letters'
    description: 'A message was dead-lettered on Service Bus: a share event or delivery was given up on after its retries and will not reach its trust until an operator acts. Find the entity in the alert\'s EntityName dimension, read the dead-lettered message\'s reason, fix the cause, then resubmit it (`npm run outbox`).'
    severity: 1
    scope: serviceBusNamespaceResourceId
    metricNamespace: 'Microsoft.ServiceBus/namespaces'
    metricName: 'DeadletteredMessages'
    // A dead-letter count is a level, not a rate: any message there needs an operator.
    timeAggregation: 'Maximum'
    threshold: 0
    // One alert per queue or subscription, so that the alert names the entity.
    dimensions: [{ name: 'EntityName', operator: 'Include', values: ['*'] }]
  }
  {
    suffix: 'http-5xx'
    description: 'The Function App answered more HTTP 5xx responses than the threshold in 15 minutes: staff, trusts or Verified ID are getting server errors. Look at the failures in Application Insights (AppRequests with ResultCode >= 500, and AppExceptions) and at the health of Cosmos DB, Key Vault and Service Bus.'
    severity: 2
    scope: functionAppResourceId
    metricNamespace: 'Microsoft.Web/sites'
    // The front end's count: it includes the platform's own 5xx (host down, timeouts) that the app never logs.
    metricName: 'Http5xx'
    timeAggregation: 'Total'
    threshold: http5xxThreshold
    dimensions: []
  }
]

resource metricAlerts 'Microsoft.Insights/metricAlerts@2026-01-01' = [
  for rule in metricRules: {
    name: '${name}-${rule.suffix}'
    location: 'global'
    tags: tags
    properties: {
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [rule.scope]
      evaluationFrequency: 'PT5M'
      windowSize: 'PT15M'
      autoMitigate: true
      criteria: {
        'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
        allOf: [
          {
            criterionType: 'StaticThresholdCriterion'
            name: rule.metricName
            metricNamespace: rule.metricNamespace
            metricName: rule.metricName
            timeAggregation: rule.timeAggregation
            operator: 'GreaterThan'
            threshold: rule.threshold
            dimensions: rule.dimensions
          }
        ]
      }
      actions: map(actionGroupIds, id => { actionGroupId: id })
    }
  }
]

// The app's OpenTelemetry metrics, as the Azure Monitor exporter writes them to the workspace: one AppMetrics row
// per instrument and attribute set each export interval, Name the instrument, the attributes in Properties, a
// counter's increase in Sum and a gauge's reading in Max.
var logRules = [
  {
    suffix: 'delivery-failures'
    description: 'More share event deliveries to trusts failed or were dead-lettered than the threshold in 15 minutes: trusts are not receiving credentials. Find the trusts and status codes in the delivery spans (AppDependencies) and check each trust\'s endpoint and key.'
    severity: 2
    query: 'AppMetrics\n| where Name == "staff_passport.deliveries"\n| where tostring(Properties.outcome) in ("failed", "dead_lettered")'
    measure: 'Sum'
    timeAggregation: 'Total'
    threshold: deliveryFailureThreshold
  }
  {
    suffix: 'unacknowledged-events'
    description: 'A share event has waited more than an hour for its trust to acknowledge it: that trust may not have the credential it asked for. Find the trust from the shareEvents container (events not acknowledged, oldest first), check its push endpoint or poll, and tell the trust.'
    severity: 2
    query: 'AppMetrics\n| where Name == "staff_passport.events.unacknowledged_age"'
    measure: 'Max'
    timeAggregation: 'Maximum'
    // Seconds: an hour.
    threshold: 3600
  }
  {
    suffix: 'auth-refused'
    description: 'More authentications were refused than the threshold in 15 minutes (trust tokens, Verified ID callback keys, staff sessions or rate limits): a misconfigured trust or caller, or someone probing the API. Break the count down by Properties.kind in AppMetrics, then find the callers in the request logs.'
    severity: 3
    query: 'AppMetrics\n| where Name == "staff_passport.auth.refused"'
    measure: 'Sum'
    timeAggregation: 'Total'
    threshold: authRefusedThreshold
  }
]

resource logAlerts 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [
  for rule in logRules: {
    name: '${name}-${rule.suffix}'
    location: location
    tags: tags
    kind: 'LogAlert'
    // The rule queries as its own identity, with a read role on the workspace alone, rather than as whoever last
    // deployed it (whose rights may change).
    identity: { type: 'SystemAssigned' }
    properties: {
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [workspace.id]
      evaluationFrequency: 'PT5M'
      windowSize: 'PT15M'
      autoMitigate: true
      // A new workspace has no AppMetrics rows until the app first exports; validation would refuse the rule.
      skipQueryValidation: true
      criteria: {
        allOf: [
          {
            query: rule.query
            metricMeasureColumn: rule.measure
            timeAggregation: rule.timeAggregation
            operator: 'GreaterThan'
            threshold: rule.threshold
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
          }
        ]
      }
      actions: { actionGroups: actionGroupIds }
    }
  }
]

resource logAlertReaders 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (rule, i) in logRules: {
    name: guid(workspace.id, logAlerts[i].id, builtInRoles.logAnalyticsReader)
    scope: workspace
    properties: {
      principalId: logAlerts[i].identity.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.logAnalyticsReader)
    }
  }
]

@description('Names of the alert rules, metric rules first.')
output ruleNames string[] = concat(map(metricRules, rule => '${name}-${rule.suffix}'), map(logRules, rule => '${name}-${rule.suffix}'))
@description('The action groups every alert is sent to.')
output actionGroupIds string[] = actionGroupIds
