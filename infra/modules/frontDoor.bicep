// Optional edge: Azure Front Door in front of the Function App, with a WAF policy whose rate-limit rules protect the
// anonymous endpoints, POST /api/logins above all (each one starts a Verified ID request).
metadata description = 'Azure Front Door profile, endpoint, route to one origin and a rate-limiting WAF policy, with optional managed rule sets (Premium).'

@description('Name of the Front Door profile.')
@minLength(1)
@maxLength(260)
param name string

@description('Name of the endpoint (its host name is <name>-<hash>.z01.azurefd.net).')
@minLength(1)
@maxLength(46)
param endpointName string

@description('Name of the WAF policy (letters and digits, starting with a letter).')
@minLength(1)
@maxLength(128)
param wafPolicyName string

@description('Tags for the profile and the WAF policy.')
param tags object = {}

@description('Resource id of the Log Analytics workspace for diagnostics.')
param workspaceResourceId string

@description('Host name of the origin (the Function App).')
param originHostName string

@description('Add Microsoft\'s managed rule sets (Default Rule Set 2.1 and Bot Manager 1.1), which need the Premium tier.')
param enableManagedRules bool = false

@description('Requests per minute one client IP address may make to POST /api/logins.')
@minValue(1)
param loginRateLimitPerMinute int = 300

@description('Requests per minute one client IP address may make to the rest of /api, callbacks aside.')
@minValue(1)
param apiRateLimitPerMinute int = 3000

@description('Requests per minute to the Verified ID callbacks, from all senders together.')
@minValue(1)
param callbackRateLimitPerMinute int = 6000

var skuName = enableManagedRules ? 'Premium_AzureFrontDoor' : 'Standard_AzureFrontDoor'

// Verified ID's callbacks come from Microsoft's few addresses, so they share one ceiling rather than a per-address
// limit; per-address limits are sized for NHS sites whose staff share one outbound address.

// Match conditions see the URI as sent: decoding first, then lowering, so that /api/%6Cogins or /API/Logins is
// the path the Functions host routes, and is limited as such.
var transforms = ['UrlDecode', 'Lowercase']

// Both callback routes, /api/verifiedid/callback and /api/verifiedid/callback/{state}, and nothing else: the
// whole path is matched (with or without scheme and host), so that a query string naming the callback does not
// take another route out of the per-address limit.
var callbackPattern = '^(https?://[^/]+)?/api/verifiedid/callback(/[^/?#]*)?/?(\\?.*)?$'

resource profile 'Microsoft.Cdn/profiles@2025-06-01' = {
  name: name
  location: 'global'
  tags: tags
  sku: { name: skuName }
  properties: { originResponseTimeoutSeconds: 60 }
}

resource endpoint 'Microsoft.Cdn/profiles/afdEndpoints@2025-06-01' = {
  parent: profile
  name: endpointName
  location: 'global'
  tags: tags
  properties: { enabledState: 'Enabled' }
}

resource originGroup 'Microsoft.Cdn/profiles/originGroups@2025-06-01' = {
  parent: profile
  name: 'function-app'
  properties: {
    loadBalancingSettings: { sampleSize: 4, successfulSamplesRequired: 3, additionalLatencyInMilliseconds: 50 }
    healthProbeSettings: {
      probePath: '/api/health'
      probeRequestType: 'HEAD'
      probeProtocol: 'Https'
      probeIntervalInSeconds: 240
    }
  }
}

resource origin 'Microsoft.Cdn/profiles/originGroups/origins@2025-06-01' = {
  parent: originGroup
  name: 'function-app'
  properties: {
    hostName: originHostName
    originHostHeader: originHostName
    httpPort: 80
    httpsPort: 443
    priority: 1
    weight: 1000
    enforceCertificateNameCheck: true
  }
}

resource route 'Microsoft.Cdn/profiles/afdEndpoints/routes@2025-06-01' = {
  parent: endpoint
  name: 'api'
  properties: {
    originGroup: { id: originGroup.id }
    supportedProtocols: ['Http', 'Https']
    httpsRedirect: 'Enabled'
    forwardingProtocol: 'HttpsOnly'
    patternsToMatch: ['/*']
    linkToDefaultDomain: 'Enabled'
  }
  dependsOn: [origin]
}

resource wafPolicy 'Microsoft.Network/FrontDoorWebApplicationFirewallPolicies@2025-10-01' = {
  name: wafPolicyName
  location: 'Global'
  tags: tags
  sku: { name: skuName }
  properties: {
    policySettings: { enabledState: 'Enabled', mode: 'Prevention' }
    customRules: {
      rules: [
        {
          name: 'LimitLogins'
          priority: 10
          enabledState: 'Enabled'
          ruleType: 'RateLimitRule'
          rateLimitDurationInMinutes: 1
          rateLimitThreshold: loginRateLimitPerMinute
          groupBy: [{ variableName: 'SocketAddr' }]
          action: 'Block'
          matchConditions: [
            { matchVariable: 'RequestMethod', operator: 'Equal', matchValue: ['POST'] }
            { matchVariable: 'RequestUri', operator: 'Contains', transforms: transforms, matchValue: ['/api/logins'] }
          ]
        }
        {
          name: 'LimitCallbacks'
          priority: 20
          enabledState: 'Enabled'
          ruleType: 'RateLimitRule'
          rateLimitDurationInMinutes: 1
          rateLimitThreshold: callbackRateLimitPerMinute
          groupBy: [{ variableName: 'None' }]
          action: 'Block'
          matchConditions: [
            { matchVariable: 'RequestUri', operator: 'RegEx', transforms: transforms, matchValue: [callbackPattern] }
          ]
        }
        {
          name: 'LimitApi'
          priority: 30
          enabledState: 'Enabled'
          ruleType: 'RateLimitRule'
          rateLimitDurationInMinutes: 1
          rateLimitThreshold: apiRateLimitPerMinute
          groupBy: [{ variableName: 'SocketAddr' }]
          action: 'Block'
          matchConditions: [
            { matchVariable: 'RequestUri', operator: 'Contains', transforms: transforms, matchValue: ['/api/'] }
            {
              matchVariable: 'RequestUri'
              operator: 'RegEx'
              negateCondition: true
              transforms: transforms
              matchValue: [callbackPattern]
            }
          ]
        }
      ]
    }
    managedRules: {
      managedRuleSets: enableManagedRules
        ? [
            { ruleSetType: 'Microsoft_DefaultRuleSet', ruleSetVersion: '2.1', ruleSetAction: 'Block' }
            { ruleSetType: 'Microsoft_BotManagerRuleSet', ruleSetVersion: '1.1' }
          ]
        : []
    }
  }
}

resource securityPolicy 'Microsoft.Cdn/profiles/securityPolicies@2025-06-01' = {
  parent: profile
  name: 'waf'
  properties: {
    parameters: {
      type: 'WebApplicationFirewall'
      wafPolicy: { id: wafPolicy.id }
      associations: [{ domains: [{ id: endpoint.id }], patternsToMatch: ['/*'] }]
    }
  }
}

// The newest version of diagnostic settings with category groups; the linter's choice, 2016-09-01, has none.
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: profile
  properties: {
    workspaceId: workspaceResourceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output resourceId string = profile.id
output name string = profile.name
@description('The value Front Door sends in X-Azure-FDID, which the Function App requires.')
output frontDoorId string = profile.properties.frontDoorId
output hostName string = endpoint.properties.hostName
